#!/usr/bin/env node
// ical-check.js FILE...: parses each iCalendar file with ical.js (the
// parser Mozilla's calendar clients use) and prints one JSON array, one
// object per file: {file, error} when it does not parse, else {file,
// props: the calendar's property names, events: [{uid, summary, dtstart,
// dtend, dtstamp, lastModified, sequence, status, organizer}]}. web's
// TestChecksICal reads it.
'use strict'

const fs = require('fs')
const ICAL = require('ical.js')

function str (v) {
  return v == null ? null : String(v)
}

const out = []
for (const file of process.argv.slice(2)) {
  try {
    const comp = new ICAL.Component(ICAL.parse(fs.readFileSync(file, 'utf8')))
    if (comp.name !== 'vcalendar') throw new Error('top component is ' + comp.name)
    const events = comp.getAllSubcomponents('vevent').map(function (v) {
      const e = new ICAL.Event(v)
      return {
        uid: e.uid,
        summary: e.summary,
        description: e.description,
        dtstart: str(v.getFirstPropertyValue('dtstart')),
        dtend: str(v.getFirstPropertyValue('dtend')),
        allDay: e.startDate ? e.startDate.isDate : null,
        dtstamp: str(v.getFirstPropertyValue('dtstamp')),
        lastModified: str(v.getFirstPropertyValue('last-modified')),
        sequence: v.getFirstPropertyValue('sequence'),
        status: v.getFirstPropertyValue('status'),
        organizer: str(v.getFirstPropertyValue('organizer'))
      }
    })
    out.push({ file, props: comp.getAllProperties().map(p => p.name), events })
  } catch (err) {
    out.push({ file, error: String(err && err.message || err) })
  }
}
process.stdout.write(JSON.stringify(out))
