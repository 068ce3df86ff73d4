import { expect, test } from "vitest";
import { offlineFacts } from "./facts";

test("plain statements become facts about the user; questions and negations do not", () => {
  expect(offlineFacts("Hi! My name is Kim Keeper. I live in Porto, and I prefer window seats.")).toEqual([
    { about: "user", subject: "the user", predicate: "is named", value: "Kim Keeper", explicit: false },
    { about: "user", subject: "the user", predicate: "lives in", value: "Porto", explicit: false },
    { about: "user", subject: "the user", predicate: "prefers", value: "window seats", explicit: false },
  ]);
  expect(offlineFacts("My name is Kim Keeper and I live in Porto.").map((fact) => fact.value)).toEqual(["Kim Keeper", "Porto"]);
  expect(offlineFacts("I prefer window seats on long flights.")).toEqual([
    { about: "user", subject: "the user", predicate: "prefers", value: "window seats on long flights", explicit: false },
  ]);
  expect(offlineFacts("I moved to Lisbon last month")[0]).toMatchObject({ predicate: "lives in", value: "Lisbon" });
  expect(offlineFacts("I'm vegetarian.")[0]).toMatchObject({ predicate: "is", value: "vegetarian" });
  expect(offlineFacts("My favourite colour is green.")[0]).toMatchObject({ subject: "the user's favourite colour", predicate: "is", value: "green" });
  expect(offlineFacts("What is my name?")).toEqual([]);
  expect(offlineFacts("I don't live in Porto any more.")).toEqual([]);
  expect(offlineFacts("How do refunds work?")).toEqual([]);
});

test("“remember that …” is explicit; “our …” is about the account; unreadable explicit notes are kept whole", () => {
  expect(offlineFacts("Remember that our fiscal year starts in April.")).toEqual([
    { about: "account", subject: "the account's fiscal year", predicate: "starts", value: "in April", explicit: true },
  ]);
  expect(offlineFacts("Please remember that the plumber comes on Tuesday.")).toEqual([
    { about: "user", subject: "the plumber comes on Tuesday", predicate: "", value: "", explicit: true },
  ]);
});
