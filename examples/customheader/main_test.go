package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCurlCommands runs every curl command the program prints against its
// handler and checks the status it promises.
func TestCurlCommands(t *testing.T) {
	h, secret, err := newServer(context.Background())
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	var out bytes.Buffer
	usage(&out, srv.URL, secret)
	require.Contains(t, out.String(), "token: "+secret+"\n")

	cmd := regexp.MustCompile(`(?m)^# (\d{3}).*\ncurl -i (?:-H '([^:]+): ([^']*)' )?(\S+)$`)
	matches := cmd.FindAllStringSubmatch(out.String(), -1)
	require.Len(t, matches, 5)
	for _, mt := range matches {
		req, err := http.NewRequest(http.MethodGet, mt[4], nil)
		require.NoError(t, err)
		if mt[2] != "" {
			req.Header.Set(mt[2], mt[3])
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, mt[1], strings.Fields(resp.Status)[0], mt[0])
	}
}
