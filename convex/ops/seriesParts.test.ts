/** A bundle row's parts: the same series adds up, a new one is appended, the newest exemplar wins. */
import { expect, test } from "vitest";
import { mergeParts, type SeriesPart } from "./seriesParts";

const exemplar = (at: number) => ({ labels: `root_interaction_id="r${at}"`, value: at, at });

test("merging parts adds the same series together and appends a new one, leaving the input alone", () => {
  const stored: SeriesPart[] = [
    { name: "h", labels: 'kind="turn"', value: 1.5, count: 1, buckets: [0, 1, 0], exemplar: exemplar(1) },
    { name: "c", labels: 'model="m"', value: 10 },
  ];
  const merged = mergeParts(stored, [
    { name: "h", labels: 'kind="turn"', value: 0.5, count: 2, buckets: [2, 0, 0], exemplar: exemplar(2) },
    { name: "c", labels: 'model="other"', value: 3, exemplar: exemplar(3) },
  ]);
  expect(merged).toEqual([
    { name: "h", labels: 'kind="turn"', value: 2, count: 3, buckets: [2, 1, 0], exemplar: exemplar(2) },
    { name: "c", labels: 'model="m"', value: 10 },
    { name: "c", labels: 'model="other"', value: 3, exemplar: exemplar(3) },
  ]);
  expect(stored[0]).toMatchObject({ value: 1.5, count: 1, buckets: [0, 1, 0] });
  // An older exemplar does not replace a newer one.
  expect(mergeParts(merged, [{ name: "h", labels: 'kind="turn"', value: 1, count: 1, buckets: [1, 0, 0], exemplar: exemplar(0) }])[0]!.exemplar).toEqual(exemplar(2));
});
