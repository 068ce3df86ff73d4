import { useCallback, useState, type FormEvent } from "react";
import { splitFieldError, type FieldError } from "./errors";
import { useLatest } from "./useLatest";

/**
 * A form's submit handler around an async `action`: tracks pending, and turns
 * a refusal into the error of one of the form's `fields` (shown at its input,
 * by the backend's structured `field`) or words for the whole form.
 */
export function useFormSubmit(fields: readonly string[], action: () => Promise<unknown>) {
  const [pending, setPending] = useState(false);
  const [fieldError, setFieldError] = useState<FieldError | null>(null);
  const [general, setGeneral] = useState<string | null>(null);
  const actionRef = useLatest(action);
  const fieldsRef = useLatest(fields);
  const submit = useCallback((e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setFieldError(null);
    setGeneral(null);
    actionRef.current().then(
      () => setPending(false),
      (error: unknown) => {
        const split = splitFieldError(error, fieldsRef.current);
        setFieldError(split.field);
        setGeneral(split.general);
        setPending(false);
      },
    );
  }, [actionRef, fieldsRef]);
  return { submit, pending, fieldError, general };
}
