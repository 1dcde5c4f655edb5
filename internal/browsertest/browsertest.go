// Package browsertest opens a report page, or a page of the web console
// served on this machine, in headless Debian chromium with no network, for
// the tests that prove a page renders offline and holds extract text only
// as text (reports/page, internal/reliability, web). It lives
// here, not under reports/internal, so both may import it.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium is where Debian installs the browser.
const Chromium = "/usr/bin/chromium"

// Missing says why no browser check can run ("" when chromium is there).
// Under CI a missing browser fails the test instead: the check must not
// silently vanish there.
func Missing(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath(Chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed (Debian: chromium): %v", err)
		}
		return fmt.Sprintf("chromium is not installed (Debian: chromium): %v", err)
	}
	return ""
}

// Options tune what counts as a problem.
type Options struct {
	// LogWarnings counts browser log entries at warning level, not only
	// errors.
	LogWarnings bool
	// Downloads is the folder files the page downloads are saved in (Site
	// only); "" refuses downloads.
	Downloads string
	// Timeout bounds the whole run (default 90 s).
	Timeout time.Duration
}

// Load opens the file at path in headless chromium with every network
// scheme blocked and host names unresolvable, waits until the page marks
// body[data-rendered="true"] (a script that never runs makes this time out),
// then runs actions. problems lists what went wrong in the page meanwhile:
// console errors, warnings and failed asserts, uncaught exceptions, browser
// log errors (and warnings with opt.LogWarnings), CSP violations, dialogs
// (an injected alert; each is dismissed so the page does not wait for it)
// and any request other than the page itself.
func Load(t testing.TB, path string, opt Options, actions ...chromedp.Action) ([]string, error) {
	t.Helper()
	url := "file://" + path
	return browse(t, opt, "MAP * ~NOTFOUND", func(u string) bool { return u == url }, append([]chromedp.Action{
		network.SetBlockedURLs([]string{"http://*", "https://*", "ws://*", "wss://*", "ftp://*"}),
		chromedp.Navigate(url),
		chromedp.WaitReady(`body[data-rendered="true"]`, chromedp.ByQuery),
	}, actions...))
}

// Site runs actions in headless chromium against a web server on this
// machine, base being its origin (http://127.0.0.1:PORT): host names do not
// resolve and every other scheme is blocked, so nothing but the server is
// reached. problems lists what Load lists, any request to another origin
// included. The actions navigate themselves (start with
// chromedp.Navigate(base+"/…")).
func Site(t testing.TB, base string, opt Options, actions ...chromedp.Action) ([]string, error) {
	t.Helper()
	first := []chromedp.Action{network.SetBlockedURLs([]string{"https://*", "ws://*", "wss://*", "ftp://*", "file://*"})}
	behavior := browser.SetDownloadBehaviorBehaviorDeny
	if opt.Downloads != "" {
		behavior = browser.SetDownloadBehaviorBehaviorAllow
	}
	set := browser.SetDownloadBehavior(behavior).WithEventsEnabled(true)
	if opt.Downloads != "" {
		set = set.WithDownloadPath(opt.Downloads)
	}
	first = append(first, set)
	// Every name but the server's address resolves to nothing.
	host := strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return browse(t, opt, "MAP * ~NOTFOUND, EXCLUDE "+host, func(u string) bool {
		// data: URLs are the browser's own (a date input's icon), not the network.
		return u == base || strings.HasPrefix(u, base+"/") || strings.HasPrefix(u, "data:")
	}, append(first, actions...))
}

// Download runs click, which starts a download, and waits until the file
// has been saved in Options.Downloads (Site only); name receives the name
// the server suggested.
func Download(click chromedp.Action, name *string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		done := make(chan error, 1)
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		send := func(err error) {
			select {
			case done <- err:
			default:
			}
		}
		var mu sync.Mutex
		chromedp.ListenTarget(lctx, func(ev any) {
			switch e := ev.(type) {
			case *browser.EventDownloadWillBegin:
				mu.Lock()
				*name = e.SuggestedFilename
				mu.Unlock()
			case *browser.EventDownloadProgress:
				switch e.State {
				case browser.DownloadProgressStateCompleted:
					send(nil)
				case browser.DownloadProgressStateCanceled:
					send(errors.New("download cancelled"))
				}
			}
		})
		if err := click.Do(ctx); err != nil {
			return err
		}
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("waiting for the download: %w", ctx.Err())
		}
	})
}

// browse runs actions in a fresh headless chromium and collects the
// problems; allowed tells which requests are the page's own.
func browse(t testing.TB, opt Options, resolver string, allowed func(url string) bool, actions []chromedp.Action) ([]string, error) {
	t.Helper()
	if opt.Timeout <= 0 {
		opt.Timeout = 90 * time.Second
	}
	profile, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helper processes may still be writing to the profile for
	// a moment after the browser has gone (t.TempDir's cleanup then fails
	// the test with "directory not empty"), so removal is retried briefly.
	defer func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("chromium profile %s left behind", profile)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(Chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("host-resolver-rules", resolver),
		chromedp.UserDataDir(profile),
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
			if e.Entry.Level == cdplog.LevelError || (opt.LogWarnings && e.Entry.Level == cdplog.LevelWarning) {
				report("log %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if !allowed(e.Request.URL) {
				report("request: %s", e.Request.URL)
			}
		case *cdppage.EventJavascriptDialogOpening:
			report("dialog (%s): %s", e.Type, e.Message)
			// Close it, or the page would wait for it forever.
			go func() { _ = chromedp.Run(bctx, cdppage.HandleJavaScriptDialog(false)) }()
		}
	})
	err = chromedp.Run(bctx, append([]chromedp.Action{network.Enable(), cdplog.Enable()}, actions...)...)
	// Every event is delivered before the last evaluation answers, so the
	// list is complete here; a copy, as the listener lives until the
	// browser closes.
	mu.Lock()
	found := append([]string(nil), problems...)
	mu.Unlock()
	if err != nil {
		return found, fmt.Errorf("chromium: %w", err)
	}
	return found, nil
}
