package memstore_test

import (
	"testing"

	"github.com/tokenwarden/tokenwarden/memstore"
	"github.com/tokenwarden/tokenwarden/store/storetest"
	"github.com/tokenwarden/tokenwarden/token"
)

func TestConformance(t *testing.T) {
	t.Run("memstore", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) token.Store { return memstore.New() })
	})
}
