// @vitest-environment node
/**
 * Shared conversations with two people at once, each in their own Chromium
 * profile, against the real `npm start`: both find the organisation's
 * General conversation in the sidebar; what one sends, and the agent's reply
 * to it, appear live for the other with the sender's name; an @mention is
 * answered by that agent (typing `@` offers the agents); a private conversation is created with the member
 * picker and shows its members, and a member can leave it.
 *
 * Screenshots go to artifacts/screenshots/ (`conversations*`).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, pollUntil, screenshot, signIn as signInOnPage, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let ada: Page;
let bob: Page;
let bobBrowser: Browser | undefined;

useAppAndBrowser("conversations", (session) => ({ app, page: ada } = session));

beforeAll(async () => {
  bobBrowser = await launchBrowser();
  bob = await bobBrowser.context.newPage();
}, 120_000);
afterAll(async () => {
  await bobBrowser?.close();
});

async function signIn(page: Page, name: string, email: string, role: "org:admin" | "org:member") {
  await signInOnPage(page, { url: app.url, name, email, orgId: "org_shared", role }, { landing: "current-user" });
}

async function openShared(page: Page, title: string) {
  await page.getByTestId("nav-chat").click().catch(() => undefined);
  await page.locator('[data-testid="shared-item"]', { hasText: title }).first().click();
  await page.getByTestId("conversation-panel").waitFor();
}

/** Each message's author line and text, in order. */
function said(page: Page) {
  return page.locator('[data-testid="message"]').evaluateAll((messages) =>
    messages.map((m) => ({
      role: m.getAttribute("data-role"),
      author: m.querySelector('[data-testid="message-author"]')?.textContent ?? "",
      text: m.querySelector('[data-testid="message-text"]')?.textContent ?? "",
      status: m.getAttribute("data-status"),
    })),
  );
}

async function send(page: Page, text: string) {
  const input = page.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
  await expect.poll(() => input.inputValue()).toBe("");
}

describe("shared conversations, two people in Chromium against npm start", { timeout: 120_000 }, () => {
  test("both members are in General; each sees the other's message and its reply live, with who sent it", async () => {
    await signIn(ada, "Ada Admin", "ada@example.test", "org:admin");
    await signIn(bob, "Bob Member", "bob@example.test", "org:member");
    await openShared(ada, "General");
    await openShared(bob, "General");

    await send(ada, "Hello from Ada: what time is it?");
    const seenByBob = await pollUntil(
      () => said(bob),
      (messages) => messages.some((m) => m.author === "Ada Admin" && m.text.includes("Hello from Ada")) && messages.some((m) => m.role === "assistant" && m.status === "success"),
      { what: "Ada's message and the reply, in Bob's window" },
    );
    expect(seenByBob.find((m) => m.role === "assistant")!.author).toBe("Assistant");
    await screenshot(bob, "conversations-general-bob");

    await send(bob, "@researcher what is a tide?");
    const seenByAda = await pollUntil(
      () => said(ada),
      (messages) => messages.some((m) => m.author === "Bob Member" && m.text.startsWith("@researcher")) && messages.some((m) => m.role === "assistant" && m.author === "Researcher" && m.status === "success"),
      { what: "Bob's mention and the Researcher's reply, in Ada's window" },
    );
    expect(seenByAda.filter((m) => m.role === "user").map((m) => m.author)).toEqual(["You", "Bob Member"]);
    await screenshot(ada, "conversations-general-ada");
  });

  test("typing @ offers the agents (Tab completes); an unknown @mention is refused in words and nothing is sent", async () => {
    const before = (await said(bob)).length;
    const input = bob.getByTestId("composer-input");
    await input.fill("@wr");
    await bob.getByTestId("mention-option").first().waitFor();
    await input.press("Tab");
    expect(await input.inputValue()).toBe("@writer ");
    await input.fill("@nobody are you there?");
    await input.press("Enter");
    await bob.getByText("No agent called @nobody").first().waitFor();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await said(bob)).filter((m) => m.status !== "pending").length).toBe(before);
  });

  test("a private conversation with the member picker: its members are listed, and the other member sees it", async () => {
    await ada.getByTestId("new-shared").click();
    await ada.getByTestId("new-shared-title").fill("Launch plan");
    await ada.getByTestId("new-shared-members").check();
    await ada.locator('[data-testid="member-option"]').first().check();
    await ada.getByTestId("new-shared-create").click();
    await ada.getByTestId("conversation-panel").waitFor();
    await ada.getByTestId("conversation-members-summary").click();
    const members = await pollUntil(
      () => ada.locator('[data-testid="conversation-member"]').allTextContents(),
      (names) => names.length === 2,
      { what: "the two members of the new conversation" },
    );
    expect(members.map((m) => m.split(" ·")[0]).sort()).toEqual(["Ada Admin (you)", "Bob Member"]);
    await bob.locator('[data-testid="shared-item"]', { hasText: "Launch plan" }).waitFor();
    await screenshot(ada, "conversations-private");

    // Bob leaves it: gone from his list, and Ada sees one member.
    await openShared(bob, "Launch plan");
    await bob.getByTestId("conversation-leave").click();
    await bob.getByTestId("composer-input").waitFor();
    await pollUntil(
      () => bob.locator('[data-testid="shared-item"]').allTextContents(),
      (titles) => titles.length > 0 && !titles.some((title) => title.includes("Launch plan")),
      { what: "Launch plan to leave Bob's list" },
    );
    await pollUntil(
      () => ada.locator('[data-testid="conversation-member"]').allTextContents(),
      (names) => names.length === 1,
      { what: "one member left in Ada's view" },
    );
  });
});
