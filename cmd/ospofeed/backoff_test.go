package main

import (
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

func TestBackingOff(t *testing.T) {
	src := ospofeed.Source{ID: "s", Schedule: "0 */6 * * *"} // every 6 h
	// The crawl ended a little after its scheduled start, as crawls do.
	last := time.Date(2026, 6, 1, 6, 0, 40, 0, time.UTC)
	tests := []struct {
		name     string
		status   ospofeed.Status
		failures int
		at       time.Duration // after the last crawl
		wait     bool
	}{
		{"healthy source never waits", ospofeed.StatusOK, 0, time.Minute, false},
		{"degraded source is not failing", ospofeed.StatusDegraded, 0, time.Minute, false},
		{"blocked source is not failing", ospofeed.StatusBlocked, 0, time.Minute, false},
		{"blocked after failures: no backoff", ospofeed.StatusBlocked, 4, time.Minute, false},
		{"first failure: next run as scheduled", ospofeed.StatusFailed, 1, 6 * time.Hour, false},
		{"second failure: skips the next run", ospofeed.StatusFailed, 2, 6*time.Hour - 40*time.Second, true},
		{"second failure: back at the run 12 h later", ospofeed.StatusFailed, 2, 12*time.Hour - 40*time.Second, false},
		{"fourth failure: skips the run at 42 h", ospofeed.StatusFailed, 4, 42*time.Hour - 40*time.Second, true},
		{"fourth failure: back at 48 h", ospofeed.StatusFailed, 4, 48*time.Hour - 40*time.Second, false},
		{"many failures: a week at most", ospofeed.StatusFailed, 30, 7*24*time.Hour - 40*time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := ospofeed.SourceState{Status: tt.status, Failures: tt.failures, LastCrawl: last}
			if _, wait := backingOff(src, st, last.Add(tt.at)); wait != tt.wait {
				t.Errorf("backingOff(%s, %d failures, +%s) = %v; want %v", tt.status, tt.failures, tt.at, wait, tt.wait)
			}
		})
	}
}
