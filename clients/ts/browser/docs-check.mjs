// Opens the API docs pages in headless Debian chromium and reports what they rendered and every
// request they made. Usage: node browser/docs-check.mjs BASE_URL [CHROMIUM_PATH]. Prints one JSON object.
import { chromium } from "playwright-core";

const [baseUrl, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!baseUrl) throw new Error("usage: docs-check.mjs BASE_URL [CHROMIUM_PATH]");

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
});
const requests = [];
const report = { requests, pages: {} };
try {
  const context = await browser.newContext();
  context.on("request", (request) => requests.push(request.url()));
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });

  await page.goto(`${baseUrl}/docs`, { waitUntil: "networkidle" });
  await page.waitForSelector(".opblock", { timeout: 30000 });
  report.pages.swagger = {
    title: await page.title(),
    operations: await page.$$eval(".opblock", (blocks) =>
      blocks.map((block) => ({
        method: block.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
        path: block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "",
        summary: block.querySelector(".opblock-summary-description")?.textContent?.trim() ?? "",
      })),
    ),
  };

  await page.goto(`${baseUrl}/redoc`, { waitUntil: "networkidle" });
  await page.waitForSelector("[data-section-id^='operation/']", { timeout: 30000 });
  report.pages.redoc = {
    title: await page.title(),
    operations: await page.$$eval("[data-section-id^='operation/']", (sections) =>
      sections.map((section) => ({
        id: section.getAttribute("data-section-id"),
        heading: section.querySelector("h2")?.textContent?.trim() ?? "",
      })),
    ),
  };
  report.consoleErrors = consoleErrors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
