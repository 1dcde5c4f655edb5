package site

import (
	"errors"
	"io"
	"log/slog"
	"time"
)

// NewLog is the log of a long-running process (the service, the web
// console): structured records at Info and above, on w, as text or json.
// People read the text log, so its times are in loc, with their offset;
// JSON keeps UTC for the machines that read it.
func NewLog(w io.Writer, format string, loc *time.Location) (*slog.Logger, error) {
	opt := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text":
		opt.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
				return slog.String(slog.TimeKey, a.Value.Time().In(loc).Format("2006-01-02T15:04:05.000-07:00"))
			}
			return a
		}
		return slog.New(slog.NewTextHandler(w, opt)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opt)), nil
	}
	return nil, errors.New("must be text or json")
}
