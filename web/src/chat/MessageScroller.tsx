import { useCallback, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import "./thread.css";

/** How close to the bottom (px) still counts as "at the bottom". */
const NEAR_BOTTOM = 48;

/**
 * The scrolling message area. Stays pinned to the bottom while the reader is
 * there (including while text streams in); when they scroll up to read, it
 * leaves them there and offers "Jump to latest". A new `followFrom` (the
 * number of prompts: the reader just sent one) brings them back down.
 */
export function MessageScroller({ children, followFrom }: { children: ReactNode; followFrom: number }) {
  const outer = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const lastTop = useRef(0);
  const [away, setAway] = useState(false);

  useLayoutEffect(() => {
    const scroller = outer.current;
    const content = inner.current;
    if (scroller === null || content === null) return;
    const onResize = () => {
      if (pinned.current) {
        scroller.scrollTop = scroller.scrollHeight;
        lastTop.current = scroller.scrollTop;
      } else setAway(scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight >= NEAR_BOTTOM);
    };
    onResize();
    const observer = new ResizeObserver(onResize);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  const jump = useCallback(() => {
    const scroller = outer.current;
    if (scroller === null) return;
    pinned.current = true;
    setAway(false);
    scroller.scrollTop = scroller.scrollHeight;
    lastTop.current = scroller.scrollTop;
  }, []);

  useLayoutEffect(jump, [followFrom, jump]);

  return (
    <div className="scroller-frame">
      <div
        ref={outer}
        className="message-scroller"
        data-testid="message-scroller"
        data-pinned={away ? "false" : "true"}
        tabIndex={0}
        aria-label="Conversation"
        onScroll={(event) => {
          const el = event.currentTarget;
          const distance = el.scrollHeight - el.scrollTop - el.clientHeight;
          // Only the reader moving up unpins: text arriving between our scroll and this event
          // also leaves the view short of the bottom, but without moving scrollTop up.
          if (distance < NEAR_BOTTOM) pinned.current = true;
          else if (el.scrollTop < lastTop.current) pinned.current = false;
          lastTop.current = el.scrollTop;
          setAway(!pinned.current && distance >= NEAR_BOTTOM);
        }}
      >
        <div ref={inner}>{children}</div>
      </div>
      {away && (
        <button type="button" className="button secondary jump-latest" data-testid="jump-latest" onClick={jump}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
