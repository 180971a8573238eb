package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
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
	Width       int      `json:"width"`
	ScrollX     int      `json:"scrollX"`
	Sticking    []string `json:"sticking"`
	LabelsAbove int      `json:"labelsAbove"`
	Panels      int      `json:"panels"`
}

// The check waits for every <img> to decode (decode() rejects on a broken image),
// then counts. External: any src/href that is not a data: URI, an in-page anchor or
// the sibling index.html. Overflow: images wider than their container. ScrollX: how
// far the page scrolls sideways (0: no horizontal overflow); Sticking: elements whose
// right edge passes the viewport, but for the content of a .table-wrap (a wide table
// scrolls inside its own box). LabelsAbove: gallery panels whose caption sits above
// their first image.
const pageCheckJS = `(async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const ok = i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0;
  const svgs = [...document.querySelectorAll('svg')];
  const refs = [...document.querySelectorAll('[src],[href]')].map(e => e.getAttribute('src') ?? e.getAttribute('href'));
  const ths = [...document.querySelectorAll('th')];
  const vw = document.documentElement.clientWidth;
  const panels = [...document.querySelectorAll('.panels figure')];
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
    width: vw,
    scrollX: document.documentElement.scrollWidth - vw,
    sticking: [...document.body.querySelectorAll('*')]
      .filter(e => !e.parentElement.closest('.table-wrap') && e.getBoundingClientRect().right > vw + 1)
      .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')).slice(0, 10),
    labelsAbove: panels.filter(f => { const c = f.querySelector('figcaption'), i = f.querySelector('img');
      return c && i && c.getBoundingClientRect().bottom <= i.getBoundingClientRect().top + 1; }).length,
    panels: panels.length,
  };
})()`

// browser is a headless Debian chromium with the console, exceptions, error log
// entries and network requests of its page recorded.
type browser struct {
	ctx                context.Context
	mu                 sync.Mutex
	problems, requests []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless browser test needs Debian's chromium at %s (%v): run `make setup`", chromiumPath, err)
	}
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
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// Start the browser with a context that has no deadline (its life is bound to it),
	// then bound the page's work.
	require.NoError(t, chromedp.Do(ctx), "starting %s", chromiumPath)
	b := &browser{ctx: ctx}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
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
				b.problems = append(b.problems, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				b.problems = append(b.problems, "log error: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		}
	}))
	return b
}

// load shows url in a viewport width CSS pixels wide (device scale 1; a phone's
// mobile viewport below 600 px) and returns the page's check.
func (b *browser) load(t *testing.T, url string, width int64) pageCheck {
	t.Helper()
	tctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	require.NoError(t, chromedp.Do(tctx, chromedp.EmulateViewport(width, 900, opts...)))
	require.NoError(t, chromedp.Do(tctx, chromedp.Navigate(url)))
	got, err := chromedp.Run(tctx, chromedp.Evaluate[pageCheck](pageCheckJS, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	return got
}

// take returns and clears the problems and requests recorded so far.
func (b *browser) take() (problems, requests []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	problems, requests = b.problems, b.requests
	b.problems, b.requests = nil, nil
	return problems, requests
}

// screenshotDir is where screenshots are kept: $DETPARITY_SCREENSHOTS, or a
// temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("DETPARITY_SCREENSHOTS"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

// TestBrowserChecksCanFail: a page with a broken image, a console error, an uncaught
// exception, an external image and a box wider than a phone trips every check the
// report is held to.
func TestBrowserChecksCanFail(t *testing.T) {
	b := newBrowser(t)
	bad := filepath.Join(t.TempDir(), "bad.html")
	require.NoError(t, os.WriteFile(bad, []byte(`<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<img src="data:image/png;base64,AAAA" alt="broken">
<img src="http://127.0.0.1:9/x.png" alt="external">
<div id="wide" style="width: 600px">wide</div>
<script>console.error("boom"); throw new Error("kaput");</script></body></html>`), 0o644))
	got := b.load(t, "file://"+bad, 390)
	assert.Equal(t, 2, got.Images)
	assert.Zero(t, got.Loaded)
	assert.Equal(t, []string{"http://127.0.0.1:9/x.png"}, got.External)
	assert.Equal(t, 390, got.Width)
	assert.Positive(t, got.ScrollX, "the 600-px box makes the page scroll sideways at 390 px")
	assert.Contains(t, got.Sticking, "div#wide")
	problems, requests := b.take()
	assert.True(t, slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, "console.error: boom") }), "%q", problems)
	assert.True(t, slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, "exception: ") }), "%q", problems)
	assert.True(t, slices.ContainsFunc(requests, func(u string) bool { return strings.HasPrefix(u, "http://127.0.0.1:9/") }), "%q", requests)
}

// TestHTMLInChromium renders index.html of two real runs in headless Debian chromium
// from disk, the network unused, at 1400 and 390 CSS px wide: the fixture detector
// through stretch and sg-coco (with the reference, the model inputs, a version and a
// time), and the 3-class layout model through ultralytics and stretch (confusion
// matrices). Every image and plot loads, nothing is fetched from outside the file,
// the console stays free of errors and exceptions, the page never scrolls sideways
// and nothing sticks out of it (wide tables scroll in their own box), and gallery
// labels sit above their panels. Screenshots are kept in $DETPARITY_SCREENSHOTS
// when set; the fixture page is also printed to PDF to check the print styles.
func TestHTMLInChromium(t *testing.T) {
	res := fixtureResult(t)
	opt := DefaultOptions()
	opt.Inputs = specInputs(res, fixtureData)
	opt.Version = "v0.0.0-test"
	opt.Time = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	opt.Command = "detparity report --model " + fixtureModel + " --data " + fixtureData + " --pipeline stretch,sg-coco --conf 0.8 --reference " + fixtureRef + " --out out/report"
	fixture, err := Build(res, opt)
	require.NoError(t, err)
	mc := multiClass(t)
	mopt := DefaultOptions()
	mopt.Inputs = specInputs(mc.res, mc.data)
	multi, err := Build(mc.res, mopt)
	require.NoError(t, err)

	b := newBrowser(t)
	shots := screenshotDir(t)
	for _, c := range []struct {
		name   string
		r      *Report
		tables int
	}{
		{"fixture", fixture, 7},  // pipelines, specs, parameters, checks, distances, reference, per class
		{"multiclass", multi, 8}, // pipelines, specs, parameters, checks, distances, per class, 2 confusion matrices
	} {
		dir := t.TempDir()
		require.NoError(t, c.r.WriteDir(context.Background(), dir))
		abs, err := filepath.Abs(filepath.Join(dir, FileHTML))
		require.NoError(t, err)
		// Plots, then per gallery panel the drawing and the model input.
		want := len(c.r.Plots)
		panels := 0
		for _, g := range c.r.Gallery {
			for _, p := range g.Panels {
				require.NotEmpty(t, p.Input, "%s %s: %s", g.Name, p.Pipeline, p.InputNote)
				want += 2
				panels++
			}
		}
		require.Positive(t, panels)
		for _, width := range []int64{1400, 390} {
			t.Run(fmt.Sprintf("%s/%d", c.name, width), func(t *testing.T) {
				got := b.load(t, "file://"+abs, width)
				assert.Equal(t, int(width), got.Width)
				assert.Equal(t, want, got.Images)
				assert.Equal(t, got.Images, got.Loaded, "broken images: %v", got.Broken)
				assert.Empty(t, got.Broken)
				assert.Zero(t, got.NoAlt, "every image has an alt text")
				assert.Zero(t, got.SVGs, "plots are PNGs; no inline SVG expected")
				assert.Empty(t, got.External, "the page references nothing outside itself")
				assert.Equal(t, c.tables, got.Tables)
				assert.Positive(t, got.HeaderCells)
				assert.Zero(t, got.NoScope, "every table header cell has a scope")
				assert.Equal(t, "en", got.Lang)
				assert.Zero(t, got.Overflow, "no image overflows its container")
				assert.Zero(t, got.ScrollX, "the page does not scroll sideways")
				assert.Empty(t, got.Sticking, "nothing sticks out of the page")
				assert.Equal(t, panels, got.Panels)
				assert.Equal(t, panels, got.LabelsAbove, "every gallery label sits above its panel")
				assert.Contains(t, got.Headline, c.r.Verdict.Headline)

				tctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
				defer cancel()
				shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(90))
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(string(shot), "\xff\xd8"), "screenshot is a JPEG")
				assert.Greater(t, len(shot), 50_000, "a full-page screenshot of the report is not blank")
				cfg, err := jpeg.DecodeConfig(bytes.NewReader(shot))
				require.NoError(t, err)
				assert.Equal(t, int(width), cfg.Width, "the screenshot is the page at that width")
				path := filepath.Join(shots, fmt.Sprintf("report-%s-%d.jpg", c.name, width))
				require.NoError(t, os.WriteFile(path, shot, 0o644))
				t.Logf("screenshot: %s (%dx%d, %d bytes)", path, cfg.Width, cfg.Height, len(shot))
				if c.name == "fixture" && width == 1400 {
					pdf, err := chromedp.Run(tctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
					require.NoError(t, err)
					assert.True(t, strings.HasPrefix(string(pdf), "%PDF-"), "print to PDF")
					require.NoError(t, os.WriteFile(filepath.Join(shots, "report-fixture.pdf"), pdf, 0o644))
				}
				problems, requests := b.take()
				assert.Empty(t, problems, "console errors, exceptions or error log entries")
				for _, u := range requests {
					assert.True(t, strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:"), "request to %s", u)
				}
			})
		}
	}
}
