import { useState } from "react";
import "./thread.css";

const MAX_ANNOUNCED = 400;

/**
 * A polite live region for screen readers that reads a reply once it is
 * complete, or says that it stopped or failed (the streaming indicator says
 * when one starts; the growing text itself is not announced word by word,
 * which would drown everything else out).
 */
export function ReplyAnnouncer({ active, outcome, agentName, reply }: { active: boolean; outcome: string | undefined; agentName: string; reply: string | null }) {
  const [announcement, setAnnouncement] = useState("");
  // When a reply stops being active (noticed while rendering, as React recommends for state that follows props).
  const [wasActive, setWasActive] = useState(active);
  if (wasActive !== active) {
    setWasActive(active);
    if (!active) {
      if (outcome === "completed" && reply !== null) {
        const clipped = reply.length > MAX_ANNOUNCED ? `${reply.slice(0, MAX_ANNOUNCED)}…` : reply;
        setAnnouncement(`${agentName} replied: ${clipped}`);
      } else if (outcome === "cancelled") setAnnouncement("The reply was stopped.");
      else if (outcome === "failed") setAnnouncement("The reply failed.");
    }
  }
  return (
    <div className="visually-hidden" role="status" aria-live="polite" data-testid="reply-announcer">
      {announcement}
    </div>
  );
}
