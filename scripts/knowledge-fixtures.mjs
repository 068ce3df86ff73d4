#!/usr/bin/env node
/**
 * Generates the knowledge fixtures in convex/knowledge/fixtures/ — real PDF
 * and DOCX files (pdfkit, docx) plus HTML and CSV — used by the knowledge
 * tests, the browser test and the benchmark. The generated files are checked
 * in; run `node scripts/knowledge-fixtures.mjs` after changing this script.
 * Deterministic: fixed creation dates and no random ids, so re-running it
 * changes nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import PDFDocument from "pdfkit";
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from "docx";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "convex", "knowledge", "fixtures");
mkdirSync(out, { recursive: true });
const FIXED_DATE = new Date("2026-01-15T09:00:00Z");

/** The report: one topic per page, so a question's answer has one right page. */
export const REPORT_PAGES = [
  ["Annual report 2025", "This report summarises the year of Harbour Logistics. It covers revenue, the warehouse network, staff, safety and the outlook for next year."],
  ["Revenue", "Revenue grew to 48 million euros in 2025, up eleven percent. Most of the growth came from cold-chain contracts with pharmacies in Portugal and Spain."],
  ["Warehouse network", "The company opened a new warehouse in Valencia in March. The network now counts seven warehouses with a combined floor area of 92,000 square metres."],
  ["Safety", "Forklift incidents fell to three in 2025. Every driver now completes a refresher course each spring, and the lost-time injury rate was 0.4 per million hours."],
  ["Staff", "Headcount reached 610 employees. Staff turnover fell to nine percent after the new shift-planning tool let drivers swap shifts themselves."],
  ["Outlook", "For 2026 the board expects revenue of 53 million euros and plans an electric truck pilot with twelve vehicles on the Lisbon routes."],
];

function pdf(file, build, options = {}) {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ autoFirstPage: false, info: { CreationDate: FIXED_DATE, ModDate: FIXED_DATE, Title: file }, ...options });
    const chunks = [];
    doc.on("data", (chunk) => chunks.push(chunk));
    doc.on("end", () => {
      writeFileSync(join(out, file), Buffer.concat(chunks));
      resolve();
    });
    build(doc);
    doc.end();
  });
}

await pdf("report.pdf", (doc) => {
  for (const [heading, body] of REPORT_PAGES) {
    doc.addPage();
    doc.fontSize(20).text(heading);
    doc.moveDown();
    doc.fontSize(12).text(body);
  }
});

// Password-protected: extraction must refuse it in words.
await pdf(
  "encrypted.pdf",
  (doc) => {
    doc.addPage();
    doc.fontSize(12).text("This text is locked behind a password.");
  },
  { userPassword: "secret", ownerPassword: "owner", pdfVersion: "1.7" },
);

// A "scan": pages with drawings and no text layer.
await pdf("scanned.pdf", (doc) => {
  for (let page = 0; page < 2; page++) {
    doc.addPage();
    for (let line = 0; line < 30; line++) doc.rect(60, 80 + line * 20, 300 + ((line * 37) % 180), 8).fill("#333333");
  }
});

// Not a PDF at all past its first bytes.
writeFileSync(join(out, "corrupt.pdf"), "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nthis file was cut off here");

/** The handbook: headings that chunks must remember. */
export const HANDBOOK = [
  ["Employee handbook", 1, "Welcome to Harbour Logistics. This handbook explains how we work."],
  ["Holidays", 1, "Every employee has 25 days of paid holiday a year, plus public holidays."],
  ["Carrying over holiday", 2, "Up to five unused holiday days may be carried over to the next year; they expire at the end of March."],
  ["Expenses", 1, "Submit expense claims within 60 days with a photo of the receipt."],
  ["Travel", 2, "Train travel is second class; flights need a manager's approval two weeks before departure."],
  ["Remote work", 1, "Office staff may work from home up to three days a week, agreed with their team lead."],
];

const handbook = new Document({
  creator: "knowledge-fixtures",
  title: "Employee handbook",
  description: "Fixture",
  sections: [
    {
      children: HANDBOOK.flatMap(([heading, level, body]) => [
        new Paragraph({ text: heading, heading: level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2 }),
        new Paragraph({ children: [new TextRun(body)] }),
      ]),
    },
  ],
});
// docx stamps the current time into docProps/core.xml; fixed here so the file is reproducible.
const docxBuffer = await Packer.toBuffer(handbook);
writeFileSync(join(out, "handbook.docx"), await fixDocxDates(docxBuffer));

async function fixDocxDates(buffer) {
  const JSZip = (await import("jszip")).default;
  const zip = await JSZip.loadAsync(buffer);
  const core = await zip.file("docProps/core.xml").async("string");
  zip.file("docProps/core.xml", core.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, FIXED_DATE.toISOString().replace(/\.\d+Z$/, "Z")));
  for (const file of Object.values(zip.files)) file.date = FIXED_DATE;
  return await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

writeFileSync(
  join(out, "onboarding.html"),
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Onboarding guide</title></head>
<body>
<nav><a href="/">Home</a> · <a href="/jobs">Jobs</a> · <a href="/contact">Contact</a></nav>
<article>
<h1>Onboarding guide</h1>
<p>New starters receive a laptop and a badge on their first morning at the Porto office reception.</p>
<h2>Accounts</h2>
<p>Your email account is created two days before you start. The IT desk resets passwords on extension 4400.</p>
<h2>Parking</h2>
<p>The staff car park is behind building B. Ask reception for a parking permit; bicycles go in the basement.</p>
</article>
<footer>© Harbour Logistics · <a href="/privacy">Privacy</a></footer>
<script>console.log("tracking")</script>
</body></html>
`,
);

writeFileSync(
  join(out, "warehouses.csv"),
  [
    "warehouse,city,country,floor_area_m2,opened",
    "WH-1,Porto,Portugal,18000,2009",
    "WH-2,Lisbon,Portugal,16000,2012",
    "WH-3,Madrid,Spain,14000,2015",
    "WH-4,Seville,Spain,9000,2018",
    "WH-5,Bilbao,Spain,11000,2020",
    "WH-6,Faro,Portugal,8000,2023",
    "WH-7,Valencia,Spain,16000,2025",
    "",
  ].join("\n"),
);

console.log(`fixtures written to ${out}`);
