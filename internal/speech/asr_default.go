//go:build !pocketsphinx

package speech

import "log/slog"

// DefaultASR returns the recognizer this binary was built with: NoASR in the
// default build (logged once at Info, if logger is not nil), a pocketsphinx
// decoder pool with -tags pocketsphinx.
func DefaultASR(logger *slog.Logger) ASR {
	if logger != nil {
		logger.Info("speech recognition unavailable: built without -tags pocketsphinx; menus take keys only, and speech input for bots takes the error branch")
	}
	return NoASR{}
}
