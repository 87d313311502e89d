// Parse an .ics file with ical.js and node-ical and print the events each one sees as
// JSON, so the Python tests compare them with the Python parsers:
//   node tests/node/parse_ics.mjs FILE.ics
// {"ical.js": [{uid, summary, start, end, status, sequence}, ...], "node-ical": [...]}
// With several files, one such object per file, by the path as given:
//   node tests/node/parse_ics.mjs A.ics B.ics   ->   {"A.ics": {...}, "B.ics": {...}}
// All-day dates print as YYYY-MM-DD, times as UTC ISO instants. Any parse error exits 1.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import nodeIcal from "node-ical";

function icalTime(time) {
  if (!time) return null;
  if (time.isDate) return time.toString();
  return new Date(time.toUnixTime() * 1000).toISOString();
}

function withIcalJs(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      start: icalTime(event.startDate),
      end: icalTime(event.endDate),
      status: component.getFirstPropertyValue("status"),
      sequence: event.sequence,
    };
  });
}

function nodeDate(value) {
  if (!value) return null;
  if (value.dateOnly) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
  }
  return value.toISOString();
}

function withNodeIcal(text) {
  const parsed = nodeIcal.sync.parseICS(text);
  return Object.values(parsed)
    .filter((item) => item.type === "VEVENT")
    .map((event) => ({
      uid: event.uid,
      summary: String(event.summary),
      start: nodeDate(event.start),
      end: nodeDate(event.end),
      status: event.status ?? null,
      sequence: Number(event.sequence),
    }));
}

const byUid = (a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
function parse(path) {
  const text = readFileSync(path, "utf8");
  return {
    "ical.js": withIcalJs(text).sort(byUid),
    "node-ical": withNodeIcal(text).sort(byUid),
  };
}

try {
  const files = process.argv.slice(2);
  const result =
    files.length === 1 ? parse(files[0]) : Object.fromEntries(files.map((f) => [f, parse(f)]));
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (error) {
  process.stderr.write(`parse_ics.mjs: ${error.stack || error}\n`);
  process.exit(1);
}
