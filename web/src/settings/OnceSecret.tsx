import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import "./settings.css";

/**
 * A secret the server returns once (an API key, a webhook signing secret):
 * shown in a box to copy, with a plain warning that it cannot be shown again.
 * It lives only in this component's state; "Done" forgets it.
 */
export function OnceSecret({ kind, title, secret, children, onDone }: { kind: "api-key" | "webhook" | "tool-secret"; title: string; secret: string; children?: ReactNode; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const id = useId();
  const valueRef = useRef<HTMLInputElement>(null);
  // Take the eye (and the keyboard) straight to it.
  useEffect(() => valueRef.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied to the clipboard.");
    } catch {
      valueRef.current?.select();
      setCopied("The browser did not allow copying: the secret is selected, copy it yourself (Ctrl+C / ⌘C).");
    }
  };
  return (
    <div className="secret-once card" role="region" aria-labelledby={`${id}-title`} data-testid="secret-once" data-kind={kind}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p className="secret-warning">
        <strong>Copy it now: you won't see this again.</strong> Only a short prefix is kept; if you lose it, create a new one and remove this one.
      </p>
      <div className="row secret-row">
        <label className="visually-hidden" htmlFor={`${id}-value`}>
          {title}
        </label>
        <input
          id={`${id}-value`}
          ref={valueRef}
          className="secret-value"
          readOnly
          value={secret}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="secret-value"
        />
        <button type="button" className="button secondary" onClick={() => void copy()} data-testid="secret-copy">
          Copy
        </button>
      </div>
      {copied !== null && (
        <p className="small" role="status" data-testid="secret-copied">
          {copied}
        </p>
      )}
      {children}
      <button type="button" className="button primary" onClick={onDone} data-testid="secret-done">
        I have stored it
      </button>
    </div>
  );
}
