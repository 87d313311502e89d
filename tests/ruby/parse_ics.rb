# Parse .ics files with Ruby's icalendar gem (Debian's ruby-icalendar) and print what it
# sees, so the Python tests compare it with the other parsers:
#   ruby tests/ruby/parse_ics.rb A.ics [B.ics ...]
# {"A.ics": [{uid, summary, start, end, status, sequence}, ...], ...} as JSON; all-day
# dates as YYYY-MM-DD, times as UTC instants (through the file's own VTIMEZONEs).
# Any parse error exits 1: icalendar 2.8 raises on a VTIMEZONE it cannot place a time in.
require "json"
require "stringio"
require "icalendar"

def moment(value)
  return nil if value.nil?
  return value.strftime("%Y-%m-%d") if value.is_a?(Icalendar::Values::Date)
  value.to_time.utc.strftime("%Y-%m-%dT%H:%M:%S.000Z")
end

result = {}
ARGV.each do |path|
  calendars = Icalendar::Calendar.parse(File.read(path, encoding: "UTF-8"))
  raise "#{path}: #{calendars.size} calendars" unless calendars.size == 1
  result[path] = calendars.first.events.map do |event|
    {
      uid: event.uid.to_s,
      summary: event.summary.to_s,
      start: moment(event.dtstart),
      end: moment(event.dtend),
      status: event.status&.to_s,
      sequence: event.sequence.to_i,
    }
  end
end
puts JSON.generate(result)
