package siptest_test

import (
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/sip"
	"github.com/switchboard-cc/switchboard/internal/sip/siptest"
)

func TestMemoryBindings(t *testing.T) {
	siptest.TestBindings(t, func(_ *testing.T, now func() time.Time) sip.Bindings { return sip.NewMemoryBindings(now) })
}
