/**
 * The offline model's text answer when it calls no tool and has no tool
 * result to report: the kind of answer is read from the message
 * (intent.ts), and only content the conversation brought — retrieved
 * knowledge, a job's material or result — is ever quoted; the user's own
 * words are not repeated back.
 */
import type { ConversationView, OfferedTool } from "./conversation";
import { answerFromContext, contextEntries } from "./contextReply";
import { readReplyIntent } from "./intent";
import { jobResultReply, summaryReply } from "./jobReply";
import { markdownSample } from "./markdownSample";
import { introduction, offlineNotice } from "./offlineNotice";

export function composeReply(conversation: ConversationView, tools: OfferedTool[]): string {
  const message = conversation.lastUserText;
  const intro = introduction(conversation.system);
  const intent = readReplyIntent(message);
  switch (intent.kind) {
    case "empty":
      return offlineNotice(`Your message had no text in it, so there is nothing for me to answer yet. ${intro}.`, tools);
    case "markdown-sample":
      return markdownSample();
    case "job-result":
      return jobResultReply(intent.label, intent.result);
    case "job-work":
      return summaryReply(intent.task, intent.material);
    case "greeting":
    case "other": {
      const entries = contextEntries(conversation.system);
      if (entries.length > 0) return answerFromContext(message, entries);
      if (intent.kind === "greeting") {
        return `${offlineNotice(`Hello! ${intro}: I work without any network connection and understand only a few kinds of request.`, tools)}\n\nWhat would you like to do?`;
      }
      return offlineNotice(`${intro}: I work without any network connection, so I can't give you a real answer to that.`, tools);
    }
  }
}
