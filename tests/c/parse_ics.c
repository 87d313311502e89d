/* Parse an .ics file with libical and print what it sees, so the Python tests compare
 * it with the other parsers (tests/calendars.py compiles it once per test session):
 *   parse_ics FILE.ics
 * One line per VEVENT: uid, summary, start, end, status, sequence, tab-separated;
 * all-day dates as YYYY-MM-DD, times as UTC instants (converted through the file's own
 * VTIMEZONEs), "-" for no end. Every X-LIC-ERROR libical adds for a fault it finds,
 * and a file it cannot parse, goes to stderr with exit status 1. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    if (data == NULL || fread(data, 1, (size_t)size, file) != (size_t)size) {
        fclose(file);
        free(data);
        return NULL;
    }
    data[size] = '\0';
    fclose(file);
    return data;
}

static int report_errors(icalcomponent *component) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        fprintf(stderr, "%s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(component)),
                icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT);
         c != NULL; c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
        errors += report_errors(c);
    }
    return errors;
}

static void print_time(icalproperty *property, icalcomponent *event) {
    if (property == NULL) {
        printf("-");
        return;
    }
    struct icaltimetype t = icalproperty_get_datetime_with_component(property, event);
    if (t.is_date) {
        printf("%04d-%02d-%02d", t.year, t.month, t.day);
        return;
    }
    if (t.zone == NULL && !icaltime_is_utc(t)) {
        fprintf(stderr, "a floating or unresolved time: %s\n", icalproperty_as_ical_string(property));
        exit(1);
    }
    struct icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
    printf("%04d-%02d-%02dT%02d:%02d:%02d.000Z", u.year, u.month, u.day, u.hour, u.minute,
           u.second);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: parse_ics FILE.ics\n");
        return 2;
    }
    char *data = read_file(argv[1]);
    if (data == NULL) {
        fprintf(stderr, "%s: cannot be read\n", argv[1]);
        return 1;
    }
    icalcomponent *root = icalparser_parse_string(data);
    free(data);
    if (root == NULL || icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
        fprintf(stderr, "%s: no VCALENDAR (%s)\n", argv[1], icalerror_strerror(icalerrno));
        return 1;
    }
    if (report_errors(root) > 0) return 1;
    for (icalcomponent *event = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
         event != NULL; event = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
        icalproperty *status = icalcomponent_get_first_property(event, ICAL_STATUS_PROPERTY);
        printf("%s\t%s\t", icalcomponent_get_uid(event), icalcomponent_get_summary(event));
        print_time(icalcomponent_get_first_property(event, ICAL_DTSTART_PROPERTY), event);
        printf("\t");
        print_time(icalcomponent_get_first_property(event, ICAL_DTEND_PROPERTY), event);
        printf("\t%s\t%d\n",
               status ? icalproperty_status_to_string(icalproperty_get_status(status)) : "-",
               icalcomponent_get_sequence(event));
    }
    icalcomponent_free(root);
    return 0;
}
