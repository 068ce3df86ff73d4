// @vitest-environment node
/**
 * The run page's link to a deployment's logs (web/src/config.ts): only for a
 * URL whose dashboard page is certain (a cloud deployment's name), never a guess.
 */
import { describe, expect, test } from "vitest";
import { dashboardUrl } from "../../web/src/config";

describe("dashboardUrl", () => {
  test("a cloud deployment's URL gives its dashboard page, by deployment name", () => {
    expect(dashboardUrl("https://happy-animal-123.convex.cloud")).toBe("https://dashboard.convex.dev/d/happy-animal-123");
    expect(dashboardUrl("https://happy-animal-123.eu-west-1.convex.cloud/")).toBe("https://dashboard.convex.dev/d/happy-animal-123");
  });

  test("anything else gives no link: the local engine, self-hosted, a custom domain, nonsense", () => {
    for (const url of [undefined, "http://localhost:3210", "https://convex.example.com", "https://api.convex.cloud", "https://evil.com/.convex.cloud", "not a url"]) {
      expect(dashboardUrl(url)).toBeUndefined();
    }
  });
});
