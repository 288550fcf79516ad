package ospofeed

import "testing"

func TestCleanLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  one   line  ", "one line"},
		{"Programme\r\n---\r\n- Opening Plenary: welcome\r\n-   Keynote:  open source\r\n", "Programme\n---\n- Opening Plenary: welcome\n- Keynote: open source"},
		{"\n\nfirst paragraph\nstill first\n\n\n\nsecond\n\n", "first paragraph\nstill first\n\nsecond"},
		{"a\u2028b\u2029c", "a\nb\n\nc"},
		{"tab\tand\u00a0nbsp\x00nul", "tab and nbspnul"},
	}
	for _, tt := range tests {
		if got := CleanLines(tt.in); got != tt.want {
			t.Errorf("CleanLines(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
