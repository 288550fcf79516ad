package ospofeed

import "testing"

func TestLimitsResolve(t *testing.T) {
	if got, want := (Limits{}).Resolve(), DefaultLimits(); got != want {
		t.Errorf("Limits{}.Resolve() = %+v; want %+v", got, want)
	}
	got := Limits{ItemsPerCrawl: -5, TitleChars: 60, LinksPerItem: NoLinks}.Resolve()
	want := DefaultLimits()
	want.TitleChars, want.LinksPerItem = 60, NoLinks
	if got != want {
		t.Errorf("Resolve() = %+v; want %+v", got, want)
	}
}
