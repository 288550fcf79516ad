package ospofeed

import (
	"slices"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://webtv.un.org/fr/asset/k1u/k1uvv0xd6d", "https://webtv.un.org/en/asset/k1u/k1uvv0xd6d"},
		{"https://media.un.org/en/asset/k15/k1517v486n/", "https://webtv.un.org/en/asset/k15/k1517v486n"},
		{"https://Code.Gouv.FR:443/fr/blog/ospo/?utm_source=rss#top", "https://code.gouv.fr/fr/blog/ospo"},
		{"https://www.youtube.com/watch?v=abc&utm_medium=feed", "https://www.youtube.com/watch?v=abc"},
		{"http://example.org:80/a/", "https://example.org/a"},
		{"http://code.gouv.fr/fr/blog/x/", "https://code.gouv.fr/fr/blog/x"},
		{"https://interoperable-europe.ec.europa.eu/collection/open-source-observatory-osor/news/x", "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/news/x"},
		{"https://youtu.be/abcdefghijk?t=42", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://m.youtube.com/watch?v=abcdefghijk&t=42s&feature=share", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://youtube.com/watch?list=PL1&v=abcdefghijk", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://youtu.be/abcdefghijk?list=PL1", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://www.youtube.com/watch/?v=abcdefghijk&t=1", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://www.youtube.com/live/abcdefghijk?si=x", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://www.youtube.com/embed/abcdefghijk", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://www.youtube.com/shorts/abcdefghijk", "https://www.youtube.com/watch?v=abcdefghijk"},
		{"https://www.youtube.com/channel/UC5O114-PQNYkurlTg6hekZw", "https://www.youtube.com/channel/UC5O114-PQNYkurlTg6hekZw"},
	} {
		if got, ok := CanonicalURL(tt.in); !ok || got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "mailto:a@b.c", "/relative", "javascript:alert(1)", "ftp://x.org/"} {
		if got, ok := CanonicalURL(bad); ok {
			t.Errorf("CanonicalURL(%q) = %q, true; want not ok", bad, got)
		}
	}
}

func TestRelate(t *testing.T) {
	ev := Item{ID: "https://www.un.org/techenvoy/content/ospos-good-2024", Kind: KindEvent, URL: "https://www.un.org/techenvoy/content/ospos-good-2024",
		Recordings: []string{"https://webtv.un.org/en/asset/k1u/k1uvv0xd6d"}}
	rec := Item{ID: "https://webtv.un.org/en/asset/k1u/k1uvv0xd6d", Kind: KindRecording, URL: "https://webtv.un.org/en/asset/k1u/k1uvv0xd6d",
		Events: []string{ev.ID}}
	org := Item{ID: "https://www.numerique.gouv.fr", Kind: KindOrganisation, URL: "https://www.numerique.gouv.fr/"}
	post := Item{ID: "https://code.gouv.fr/fr/blog/ospos-for-good-2024", Kind: KindArticle, URL: "https://code.gouv.fr/fr/blog/ospos-for-good-2024/",
		Content: `<p>Voir <a href="https://webtv.un.org/fr/asset/k1u/k1uvv0xd6d">la vidéo</a>, <a href="http://www.un.org/techenvoy/content/ospos-good-2024/">l'événement</a>,
<a href="https://numerique.gouv.fr/agenda/?utm_source=x">la DINUM</a> et <a href="https://code.gouv.fr/fr/blog/ospos-for-good-2024/">ce billet</a>.</p>`}
	news := Item{ID: "https://joinup.ec.europa.eu/node/1", Kind: KindArticle, URL: "https://joinup.ec.europa.eu/node/1",
		Summary: "Report from https://www.un.org/techenvoy/content/ospos-good-2024. More soon…"}
	items := []Item{news, post, org, rec, ev}
	Relate(items)
	byID := map[string]Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	if got, want := byID[post.ID].Mentions, []string{rec.ID, org.ID, ev.ID}; !slices.Equal(got, want) {
		t.Errorf("post mentions %v; want %v", got, want)
	}
	if got, want := byID[ev.ID].MentionedIn, []string{post.ID, news.ID}; !slices.Equal(got, want) {
		t.Errorf("event mentioned in %v; want %v", got, want)
	}
	if got := byID[rec.ID].MentionedIn; !slices.Equal(got, []string{post.ID}) {
		t.Errorf("recording mentioned in %v", got)
	}
	if got := byID[org.ID].MentionedIn; !slices.Equal(got, []string{post.ID}) {
		t.Errorf("organisation mentioned in %v", got)
	}
	if len(byID[rec.ID].Mentions) != 0 || len(byID[ev.ID].Mentions) != 0 {
		t.Error("membership counted as a mention")
	}
	// Order does not matter.
	rev := []Item{ev, rec, org, post, news}
	Relate(rev)
	for _, it := range rev {
		if !slices.Equal(it.Mentions, byID[it.ID].Mentions) || !slices.Equal(it.MentionedIn, byID[it.ID].MentionedIn) {
			t.Errorf("Relate depends on order for %s", it.ID)
		}
	}
}

func TestSlugQuery(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.youtube.com/watch?v=abcdefghijk":  "watch-abcdefghijk",
		"https://www.youtube.com/watch?v=ZZZ&list=PL1": "watch-pl1-zzz", // Slug takes ids as given
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q; want %q", in, got, want)
		}
	}
	it := Item{ID: "https://www.youtube.com/watch?v=abc"}
	if it.PageSlug() != "watch-abc" {
		t.Errorf("PageSlug() = %q", it.PageSlug())
	}
	it.Page = "watch-abc-123456"
	if it.PageSlug() != "watch-abc-123456" {
		t.Errorf("PageSlug() with Page = %q", it.PageSlug())
	}
}
