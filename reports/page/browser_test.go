package page_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"enlist/reports/internal/fixture"
	"enlist/reports/page"
)

// TestBrowserRendersPageOffline loads the page in headless Debian chromium
// with every network scheme blocked and host names unresolvable. It fails
// on any console error or warning, uncaught exception, CSP violation,
// dialog (an injected alert), or request other than the page itself; it
// reads every chart's canvas back in the page to check it drew; and it
// checks the injected region name reads as text.
func TestBrowserRendersPageOffline(t *testing.T) {
	chromium := "/usr/bin/chromium"
	if _, err := exec.LookPath(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed (Debian: chromium): %v", err)
		}
		t.Skipf("chromium is not installed (Debian: chromium): %v", err)
	}
	path, _ := render(t)
	url := "file://" + path

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	var mu sync.Mutex
	var problems []string
	report := func(format string, a ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, a...))
		mu.Unlock()
	}
	chromedp.ListenTarget(bctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning || e.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				report("console %s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			report("exception: %s", e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError || e.Entry.Level == cdplog.LevelWarning {
				report("log %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if e.Request.URL != url {
				report("request: %s", e.Request.URL)
			}
		case *cdppage.EventJavascriptDialogOpening:
			report("dialog (%s): %s", e.Type, e.Message)
			// Close it, or the page would wait for it forever.
			go func() {
				_ = chromedp.Run(bctx, cdppage.HandleJavaScriptDialog(false))
			}()
		}
	})

	type canvasCheck struct {
		ID     string `json:"id"`
		Error  string `json:"error"`
		Inked  int    `json:"inked"`
		Pixels int    `json:"pixels"`
	}
	var canvases []canvasCheck
	var text string
	var scripts int
	ids := `["` + strings.Join(page.ChartIDs(), `","`) + `"]`
	err := chromedp.Run(bctx,
		network.Enable(),
		cdplog.Enable(),
		network.SetBlockedURLs([]string{"http://*", "https://*", "ws://*", "wss://*", "ftp://*"}),
		chromedp.Navigate(url),
		// The page marks itself once every chart is drawn; a script that
		// never runs makes this time out.
		chromedp.WaitReady(`body[data-rendered="true"]`, chromedp.ByQuery),
		chromedp.Evaluate(`(`+ids+`).map(function (id) {
			var el = document.getElementById(id);
			if (!el) { return {id: id, error: 'missing'}; }
			var cs = el.querySelectorAll('canvas');
			if (cs.length === 0) { return {id: id, error: 'no canvas'}; }
			var inked = 0, pixels = 0;
			cs.forEach(function (c) {
				var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				for (var i = 3; i < d.length; i += 4) { pixels++; if (d[i] > 0) { inked++; } }
			});
			return {id: id, inked: inked, pixels: pixels};
		})`, &canvases),
		chromedp.Evaluate(`document.body.innerText`, &text),
		chromedp.Evaluate(`document.getElementsByTagName('script').length`, &scripts),
	)
	if err != nil {
		t.Fatalf("chromium: %v (problems so far: %v)", err, problems)
	}
	// Every event is delivered before the evaluation answers, so the list
	// is complete here.
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	if len(canvases) != len(page.ChartIDs()) {
		t.Fatalf("checked %d charts, want %d", len(canvases), len(page.ChartIDs()))
	}
	for _, c := range canvases {
		if c.Error != "" {
			t.Errorf("%s: %s", c.ID, c.Error)
			continue
		}
		// Axes, bars and labels: well over a few hundred pixels.
		if c.Inked < 500 {
			t.Errorf("%s drew %d of %d pixels: blank", c.ID, c.Inked, c.Pixels)
		}
	}
	for _, want := range []string{fixture.ScriptName, "郑州市2025年上半年征兵工作周通报", "需关注单位", "身份证号校验码错误"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
	if scripts != 3 {
		t.Errorf("%d script elements in the live page, want 3", scripts)
	}
}
