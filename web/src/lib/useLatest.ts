import { useLayoutEffect, useRef } from "react";

/**
 * A ref holding the latest `value`, for callbacks that keep one identity but
 * must call what the last render passed. Written after rendering (React may
 * render and throw a render away; a ref written during it would be wrong).
 */
export function useLatest<T>(value: T) {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
