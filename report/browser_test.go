package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumPath is Debian's chromium, installed by scripts/setup.sh (make setup).
const chromiumPath = "/usr/bin/chromium"

// pageCheck is what the page reports about itself once loaded.
type pageCheck struct {
	Images      int      `json:"images"`
	Loaded      int      `json:"loaded"`
	Broken      []string `json:"broken"`
	NoAlt       int      `json:"noAlt"`
	SVGs        int      `json:"svgs"`
	EmptySVGs   int      `json:"emptySvgs"`
	External    []string `json:"external"`
	Tables      int      `json:"tables"`
	HeaderCells int      `json:"headerCells"`
	NoScope     int      `json:"noScope"`
	Headline    string   `json:"headline"`
	Lang        string   `json:"lang"`
	Overflow    int      `json:"overflow"`
}

// The check waits for every <img> to decode (decode() rejects on a broken image),
// then counts. External: any src/href that is not a data: URI, an in-page anchor or
// the sibling index.html. Overflow: images wider than their container.
const pageCheckJS = `(async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const ok = i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0;
  const svgs = [...document.querySelectorAll('svg')];
  const refs = [...document.querySelectorAll('[src],[href]')].map(e => e.getAttribute('src') ?? e.getAttribute('href'));
  const ths = [...document.querySelectorAll('th')];
  return {
    images: imgs.length,
    loaded: imgs.filter(ok).length,
    broken: imgs.filter(i => !ok(i)).map(i => (i.alt || '(no alt)').slice(0, 80)),
    noAlt: imgs.filter(i => !i.alt || !i.alt.trim()).length,
    svgs: svgs.length,
    emptySvgs: svgs.filter(s => { const r = s.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); }).length,
    external: refs.filter(u => !(u.startsWith('data:') || u.startsWith('#') || u === 'index.html')),
    tables: document.querySelectorAll('table').length,
    headerCells: ths.length,
    noScope: ths.filter(th => !th.hasAttribute('scope')).length,
    headline: document.querySelector('.verdict .headline')?.textContent ?? '',
    lang: document.documentElement.lang,
    overflow: imgs.filter(i => i.getBoundingClientRect().width > i.parentElement.getBoundingClientRect().width + 1).length,
  };
})()`

// TestHTMLInChromium renders index.html in headless Debian chromium from disk, with
// the network unused, and checks that every image and plot loads, that nothing is
// fetched from outside the file, and that the console stays free of errors and
// exceptions. It saves a screenshot (DETPARITY_SCREENSHOT=path keeps it) and prints
// the page to PDF to check the print styles render.
func TestHTMLInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless browser test needs Debian's chromium at %s (%v): run `make setup`", chromiumPath, err)
	}
	r := fixtureReport(t, DefaultOptions())
	dir := t.TempDir()
	require.NoError(t, r.WriteDir(dir))
	abs, err := filepath.Abs(filepath.Join(dir, FileHTML))
	require.NoError(t, err)
	url := "file://" + abs

	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// Start the browser with a context that has no deadline (its life is bound to it),
	// then bound the page's work.
	require.NoError(t, chromedp.Do(ctx), "starting %s", chromiumPath)

	var mu sync.Mutex
	var problems, requests []string
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					var v any // arguments come JSON-encoded
					if json.Unmarshal([]byte(a.Value), &v) == nil {
						parts = append(parts, fmt.Sprint(v))
					} else {
						parts = append(parts, a.Description)
					}
				}
				problems = append(problems, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log error: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		}
	}))

	load := func(url string) pageCheck {
		t.Helper()
		tctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
		defer cancelT()
		require.NoError(t, chromedp.Do(tctx, chromedp.Navigate(url)))
		got, err := chromedp.Run(tctx, chromedp.Evaluate[pageCheck](pageCheckJS, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		return got
	}

	// Negative control first: a page with a broken image, a console error, an uncaught
	// exception and an external image must trip every check below.
	bad := filepath.Join(t.TempDir(), "bad.html")
	require.NoError(t, os.WriteFile(bad, []byte(`<!DOCTYPE html><html lang="en"><body>
<img src="data:image/png;base64,AAAA" alt="broken">
<img src="http://127.0.0.1:9/x.png" alt="external">
<script>console.error("boom"); throw new Error("kaput");</script></body></html>`), 0o644))
	badGot := load("file://" + bad)
	assert.Equal(t, 2, badGot.Images)
	assert.Zero(t, badGot.Loaded)
	assert.Equal(t, []string{"http://127.0.0.1:9/x.png"}, badGot.External)
	mu.Lock()
	assert.True(t, slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, "console.error: boom") }), "%q", problems)
	assert.True(t, slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, "exception: ") }), "%q", problems)
	assert.True(t, slices.ContainsFunc(requests, func(u string) bool { return strings.HasPrefix(u, "http://127.0.0.1:9/") }), "%q", requests)
	problems, requests = nil, nil
	mu.Unlock()

	got := load(url)
	tctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(90))
	require.NoError(t, err)
	pdf, err := chromedp.Run(tctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	require.NoError(t, err)

	// 4 plots + one panel per pipeline per gallery image.
	want := len(r.Plots)
	for _, g := range r.Gallery {
		want += len(g.Panels)
	}
	assert.Equal(t, 4+2*8, want, "fixtures: 4 plots and 8 images × 2 pipelines")
	assert.Equal(t, want, got.Images)
	assert.Equal(t, got.Images, got.Loaded, "broken images: %v", got.Broken)
	assert.Empty(t, got.Broken)
	assert.Zero(t, got.NoAlt, "every image has an alt text")
	assert.Zero(t, got.SVGs, "plots are PNGs; no inline SVG expected")
	assert.Zero(t, got.EmptySVGs)
	assert.Empty(t, got.External, "the page references nothing outside itself")
	assert.Equal(t, 6, got.Tables, "pipelines, specs, checks, distances, reference, per class")
	assert.Positive(t, got.HeaderCells)
	assert.Zero(t, got.NoScope, "every table header cell has a scope")
	assert.Equal(t, "en", got.Lang)
	assert.Zero(t, got.Overflow, "no image overflows its container at 1280 px")
	assert.Contains(t, got.Headline, r.Verdict.Headline)

	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems, "console errors, exceptions or error log entries")
	for _, u := range requests {
		assert.True(t, strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:"), "request to %s", u)
	}
	assert.True(t, strings.HasPrefix(string(shot), "\xff\xd8"), "screenshot is a JPEG")
	assert.Greater(t, len(shot), 50_000, "a full-page screenshot of the report is not blank")
	assert.True(t, strings.HasPrefix(string(pdf), "%PDF-"), "print to PDF")

	path := os.Getenv("DETPARITY_SCREENSHOT")
	if path == "" {
		path = filepath.Join(t.TempDir(), "report.jpg")
	}
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	if os.Getenv("DETPARITY_SCREENSHOT") != "" {
		require.NoError(t, os.WriteFile(strings.TrimSuffix(path, filepath.Ext(path))+".pdf", pdf, 0o644))
	}
	t.Logf("screenshot: %s (%d bytes), PDF %d bytes", path, len(shot), len(pdf))
}
