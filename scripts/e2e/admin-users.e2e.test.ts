// @vitest-environment node
/**
 * Users and Clerk events on the platform admin page, in a real browser
 * (Debian's Chromium via playwright-core) against the real `npm start`:
 * a member signs in (in a second Chromium, their own session); a platform
 * admin opens /admin, expands the account's members, suspends that member
 * with a reason → the row shows suspended and the member's session is
 * refused; resumes → the member's app works again. The Clerk events section
 * shows its empty state (with where to point Clerk), then a `user.created`
 * signed with svix's `Webhook#sign` and posted to the engine's site origin
 * shows up processed, its payload pretty-printed, and the user it created can
 * be found by name.
 *
 * Every step waits on test ids (web/README.md); screenshots go to
 * artifacts/screenshots/ (`admin-users*`).
 */
import type { Page } from "playwright-core";
import { Webhook } from "svix";
import { afterAll, describe, expect, test } from "vitest";
import { launchBrowser, makePlatformAdmin, screenshot, signIn as signInOnPage, useAppAndBrowser, type App, type Browser } from "./app";

// The engine (a child process started by useAppAndBrowser) inherits this environment.
const SERVICE_SECRET = `e2e-${Math.random().toString(36).slice(2)}`;
const CLERK_SECRET = `whsec_${Buffer.from(`e2e-clerk-${Math.random().toString(36).slice(2)}-0123456789`).toString("base64")}`;
process.env["HARNESS_SERVICE_SECRET"] = SERVICE_SECRET;
process.env["CLERK_WEBHOOK_SECRET"] = CLERK_SECRET;

let app: App;
let browser: Browser;
let page: Page;
/** The member's own Chromium (own profile, own local session). */
let memberBrowser: Browser | undefined;
let memberPage: Page;

useAppAndBrowser("users", (session) => ({ app, browser, page } = session));

afterAll(async () => {
  await memberBrowser?.close();
});

const ADMIN = { name: "Pat Platform", email: "pat@example.test" };
const MEMBER = { name: "Sam Suspendable", email: "sam@example.test" };

/** The HTTP routes' origin, as the engine prints it at start-up. */
function siteOrigin(): string {
  const match = /HTTP routes:\s+(http:\/\/\S+)/.exec(app.logs());
  expect(match, "the engine prints its HTTP routes' origin").not.toBeNull();
  return match![1]!;
}

/** POST a Clerk event to the engine's site origin, signed as Svix would with the endpoint's secret. */
async function postClerkEvent(svixId: string, event: object): Promise<Response> {
  const body = JSON.stringify(event);
  const at = new Date();
  return await fetch(`${siteOrigin()}/clerk-webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": svixId,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(CLERK_SECRET).sign(svixId, at, body),
    },
    body,
  });
}

async function signIn(target: Page, who: { name: string; email: string }, role: "org:admin" | "org:member"): Promise<void> {
  await signInOnPage(target, { url: app.url, name: who.name, email: who.email, orgId: "org_demo", role });
}

const memberRow = () => page.locator('[data-testid="admin-member-row"]', { hasText: MEMBER.name });

describe("users and Clerk events on the admin page, in Chromium against npm start", { timeout: 120_000 }, () => {
  test("a member signs in in their own browser; a platform admin opens the admin page", async () => {
    memberBrowser = await launchBrowser();
    memberPage = await memberBrowser.context.newPage();
    await signIn(memberPage, MEMBER, "org:member");

    await signIn(page, ADMIN, "org:admin");
    await makePlatformAdmin(app, ADMIN.email, SERVICE_SECRET);
    await page.getByTestId("nav-admin").click();
    await page.getByTestId("admin-switches").waitFor({ timeout: 15_000 });
  });

  test("the Clerk events section explains where events come from", async () => {
    const empty = page.getByTestId("admin-clerk-empty");
    await empty.waitFor();
    expect(await empty.getAttribute("data-filtered")).toBe("false");
    expect(await page.getByTestId("admin-clerk-webhook-url").textContent()).toBe(`${siteOrigin()}/clerk-webhook`);
    expect(await empty.textContent()).toContain("CLERK_WEBHOOK_SECRET");
  });

  test("the account's members: the admin suspends the member with a reason; the member's session is refused", async () => {
    const account = page.locator('[data-testid="admin-account-row"]', { hasText: "Demo Co" });
    const toggle = account.getByTestId("admin-account-members-toggle");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    await page.getByTestId("admin-members").waitFor();
    await memberRow().waitFor();
    expect(await memberRow().getAttribute("data-status")).toBe("active");
    expect(await memberRow().getAttribute("data-role")).toBe("member");
    // The admin's own row offers no suspension (the server refuses it anyway).
    await page.locator('[data-testid="admin-member-row"]', { hasText: ADMIN.name }).getByTestId("admin-user-self").waitFor();

    await memberRow().getByTestId("admin-user-suspend").click();
    // No reason, no suspension.
    expect(await memberRow().getByTestId("admin-user-confirm").isDisabled()).toBe(true);
    await memberRow().getByTestId("admin-user-reason").fill("Abuse report #42");
    await memberRow().getByTestId("admin-user-confirm").click();
    await expect.poll(() => memberRow().getAttribute("data-status")).toBe("suspended");
    expect(await memberRow().getByTestId("admin-user-status").textContent()).toBe("Suspended");
    await memberRow().getByTestId("admin-user-resume").waitFor();
    await screenshot(page, "users-01-suspended");

    // The member's open app: its live viewer query is refused at once, and the app says so in words.
    const refused = memberPage.getByTestId("sync-error");
    await refused.waitFor({ timeout: 20_000 });
    expect(await refused.textContent()).toContain("suspended");
    // Opened afresh: the same refusal.
    await memberPage.reload();
    await refused.waitFor({ timeout: 20_000 });
    expect(await refused.textContent()).toContain("suspended");
    await screenshot(memberPage, "users-02-member-refused");
  });

  test("resumed: the member's app works again", async () => {
    await memberRow().getByTestId("admin-user-resume").click();
    await memberRow().getByTestId("admin-user-reason").fill("Appeal upheld");
    await memberRow().getByTestId("admin-user-confirm").click();
    await expect.poll(() => memberRow().getAttribute("data-status")).toBe("active");
    await memberRow().getByTestId("admin-user-suspend").waitFor();

    await memberPage.getByRole("button", { name: "Try again" }).click();
    await memberPage.getByTestId("chat-empty").waitFor({ timeout: 30_000 });
    expect(await memberPage.getByTestId("sync-error").count()).toBe(0);
  });

  test("a signed user.created from Clerk is stored, processed and shown with its payload; its user can be found", async () => {
    const svixId = `msg_e2e_${Date.now()}`;
    const event = {
      object: "event",
      type: "user.created",
      timestamp: Date.now(),
      data: {
        id: "user_e2e_casey",
        object: "user",
        first_name: "Casey",
        last_name: "Clerkson",
        primary_email_address_id: "idn_casey",
        email_addresses: [{ id: "idn_casey", object: "email_address", email_address: "casey@example.test" }],
        created_at: Date.now(),
        updated_at: Date.now(),
      },
    };
    const response = await postClerkEvent(svixId, event);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ received: true, duplicate: false });

    const row = page.locator(`[data-testid="admin-clerk-event"][data-svix-id="${svixId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute("data-type")).toBe("user.created");
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("processed");
    expect(await row.getByTestId("admin-clerk-status").textContent()).toBe("Processed");
    expect(Number(await row.getByTestId("admin-clerk-attempts").textContent())).toBeGreaterThanOrEqual(1);
    expect(await row.getByTestId("admin-clerk-svix-id").textContent()).toBe(svixId);
    // Processed and successful: no retry offered.
    expect(await row.getByTestId("admin-clerk-retry").count()).toBe(0);

    await row.getByTestId("admin-clerk-payload-toggle").click();
    const payload = page.getByTestId("admin-clerk-payload");
    await payload.waitFor();
    const text = (await payload.textContent()) ?? "";
    expect(JSON.parse(text)).toEqual(event);
    expect(text).toContain('\n  "type": "user.created"'); // pretty-printed

    // The filter: processed shows it; failed shows none.
    const filter = page.getByTestId("admin-clerk-filter");
    await filter.selectOption("processed");
    await row.waitFor();
    await filter.selectOption("failed");
    await page.locator('[data-testid="admin-clerk-empty"][data-filtered="true"]').waitFor();
    await filter.selectOption("");
    await row.waitFor();
    await row.getByTestId("admin-clerk-payload-toggle").click();
    await payload.waitFor();

    // The profile the event created, found by the start of its name as typed.
    await page.getByTestId("admin-users-search").fill("casey");
    const found = page.locator('[data-testid="admin-user-row"]', { hasText: "Casey Clerkson" });
    await found.waitFor({ timeout: 15_000 });
    expect(await found.getAttribute("data-status")).toBe("active");
    expect(await found.textContent()).toContain("casey@example.test");

    await page.getByTestId("admin-clerk-events").scrollIntoViewIfNeeded();
    await screenshot(page, "users");
  });

  test("an event that cannot be read shows failed with its error; Retry processes it again", async () => {
    const svixId = `msg_e2e_bad_${Date.now()}`;
    // A handled type whose payload lacks the user's id: processing marks it failed at once (no point retrying by itself).
    expect((await postClerkEvent(svixId, { object: "event", type: "user.updated", timestamp: Date.now(), data: { object: "user" } })).status).toBe(
      200,
    );
    const row = page.locator(`[data-testid="admin-clerk-event"][data-svix-id="${svixId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("failed");
    expect(await row.getByTestId("admin-clerk-error").textContent()).toContain("Malformed payload");
    expect(await row.getByTestId("admin-clerk-attempts").textContent()).toBe("1");
    // Newest first: above the processed one.
    expect(await page.getByTestId("admin-clerk-event").first().getAttribute("data-svix-id")).toBe(svixId);
    const filter = page.getByTestId("admin-clerk-filter");
    await filter.selectOption("failed");
    await expect.poll(() => page.getByTestId("admin-clerk-event").count()).toBe(1);
    await screenshot(page, "users-03-failed");

    await row.getByTestId("admin-clerk-retry").click();
    // Processed again (the same bytes fail the same way): a second attempt, still failed, still retryable.
    await expect.poll(() => row.getByTestId("admin-clerk-attempts").textContent(), { timeout: 30_000 }).toBe("2");
    expect(await row.getAttribute("data-status")).toBe("failed");
    expect(await page.getByTestId("admin-clerk-retry-error").count()).toBe(0);
    await filter.selectOption("");
  });

  test("no page errors, no server errors", () => {
    expect(browser.pageErrors).toEqual([]);
    expect(memberBrowser?.pageErrors ?? []).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
