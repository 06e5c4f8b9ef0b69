package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/admin"
	"github.com/tokenwarden/tokenwarden/token"
)

const fullSpec = `{
	"name": " Sales CRM integration ",
	"description": "pushes leads",
	"kind": "external",
	"tenant": "northwind",
	"role": "reader",
	"scopes": ["clients:read", "case-notes:write", "clients:read"],
	"allow": ["10.0.0.0/8", "203.0.113.4", "::ffff:192.0.2.1", "2001:db8::/32"],
	"expires": "2027-01-31T18:00:00Z",
	"quota": {"limit": 1000, "period": "day"},
	"rate": {"events": 10, "interval": "1s", "burst": 20},
	"metadata": {"owner": "ana@northwind.example"},
	"disabled": false
}`

func TestCreateAndGet(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.op("PUT", "/roles/reader", `{"scopes":["reports:read"]}`).Code)

	r := e.op("POST", "/tokens", fullSpec)
	require.Equal(t, http.StatusCreated, r.Code, r.body)
	out := e.issued(r)
	tok := out.Token
	assert.Equal(t, "tokens/"+tok.ID, r.Header().Get("Location"))
	assert.Equal(t, `"1"`, r.Header().Get("ETag"))

	assert.Equal(t, "Sales CRM integration", tok.Name)
	assert.Equal(t, "pushes leads", tok.Description)
	assert.Equal(t, token.External, tok.Kind)
	assert.Equal(t, "northwind", tok.Tenant)
	assert.Equal(t, "reader", tok.Role)
	assert.Equal(t, []string{"clients:read", "case-notes:write"}, tok.Scopes)
	assert.Equal(t, []string{"10.0.0.0/8", "203.0.113.4", "192.0.2.1", "2001:db8::/32"}, tok.Allow)
	require.NotNil(t, tok.Expires)
	assert.Equal(t, time.Date(2027, 1, 31, 18, 0, 0, 0, time.UTC), tok.Expires.UTC())
	assert.Equal(t, &admin.Quota{Limit: 1000, Period: token.Day}, tok.Quota)
	assert.Equal(t, &admin.Rate{Events: 10, Interval: "1s", Burst: 20}, tok.Rate)
	assert.Equal(t, map[string]string{"owner": "ana@northwind.example"}, tok.Metadata)
	assert.False(t, tok.Disabled)
	assert.Equal(t, "acme_…"+out.Secret[len(out.Secret)-4:], tok.Hint)
	assert.Equal(t, start, tok.Created)
	assert.Nil(t, tok.LastUsed)
	assert.EqualValues(t, 1, tok.Version)

	// The wire form: interval as a duration string, period as a word,
	// every key present.
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.body), &raw))
	wire := raw["token"].(map[string]any)
	assert.Equal(t, map[string]any{"events": 10.0, "interval": "1s", "burst": 20.0}, wire["rate"])
	assert.Equal(t, map[string]any{"limit": 1000.0, "period": "day"}, wire["quota"])
	for _, k := range []string{"id", "name", "description", "kind", "tenant", "role", "scopes", "allow", "expires",
		"quota", "rate", "metadata", "disabled", "hint", "created", "updated", "last_used", "version"} {
		assert.Contains(t, wire, k)
	}
	assert.Len(t, wire, 18)

	// The secret works with the settings given.
	res, err := e.m.Verify(context.Background(), out.Secret, token.Request{
		Addr: netip.MustParseAddr("10.1.2.3"), Tenant: "northwind", Scopes: []string{"reports:read"}})
	require.NoError(t, err)
	assert.Equal(t, tok.ID, res.Token.ID)

	g := e.op("GET", "/tokens/"+tok.ID, "")
	require.Equal(t, http.StatusOK, g.Code, g.body)
	assert.Equal(t, `"1"`, g.Header().Get("ETag"))
	got := decode[admin.Token](t, g)
	assert.Equal(t, tok.Name, got.Name)
	assert.Equal(t, tok.Allow, got.Allow)
	assert.Equal(t, tok.Rate, got.Rate)
	assert.Equal(t, tok.Hint, got.Hint)

	// A minimal token: empty lists and nulls, not missing keys.
	min := e.create(`{"name":"nightly batch","kind":"internal"}`).Token
	g = e.op("GET", "/tokens/"+min.ID, "")
	require.Equal(t, http.StatusOK, g.Code)
	for _, frag := range []string{`"scopes":[]`, `"allow":[]`, `"metadata":{}`, `"expires":null`, `"quota":null`,
		`"rate":null`, `"last_used":null`, `"tenant":""`, `"role":""`, `"kind":"internal"`} {
		assert.Contains(t, g.body, frag)
	}

	// HEAD: the headers without the body.
	h := e.op("HEAD", "/tokens/"+min.ID, "")
	assert.Equal(t, http.StatusOK, h.Code)
	assert.Empty(t, h.body)
	assert.Equal(t, `"1"`, h.Header().Get("ETag"))
}

func TestCreateErrors(t *testing.T) {
	e := newEnv(t)
	e.create(`{"name":"Taken","kind":"internal"}`)
	past := start.Add(-time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		name, body string
		status     int
		msg        string // a part of the message
	}{
		{"empty body", ``, 400, "body is empty"},
		{"malformed", `{"name":`, 400, "malformed JSON"},
		{"not an object", `["name"]`, 400, "must be a JSON object"},
		{"null", `null`, 400, "must be a JSON object"},
		{"trailing data", `{"name":"a","kind":"internal"} {}`, 400, "after the JSON object"},
		{"unknown field", `{"name":"a","kind":"internal","colour":"red"}`, 400, `unknown field "colour"`},
		{"read-only field", `{"name":"a","kind":"internal","version":3}`, 400, `unknown field "version"`},
		{"secret field", `{"name":"a","kind":"internal","secret":"acme_x"}`, 400, `unknown field "secret"`},
		{"field twice", `{"name":"a","name":"b","kind":"internal"}`, 400, `"name" appears more than once`},
		{"wrong type", `{"name":5,"kind":"internal"}`, 400, "name: want a string"},
		{"scopes not strings", `{"name":"a","kind":"internal","scopes":[1]}`, 400, "scopes: want an array of strings"},
		{"quota unknown member", `{"name":"a","kind":"internal","quota":{"limit":1,"period":"day","x":1}}`, 400, "quota: want"},
		{"quota fractional", `{"name":"a","kind":"internal","quota":{"limit":1.5,"period":"day"}}`, 400, "quota: want"},
		{"missing name", `{"kind":"internal"}`, 422, "name is required"},
		{"missing kind", `{"name":"a"}`, 422, "kind is required"},
		{"bad kind", `{"name":"a","kind":"partner"}`, 422, `kind "partner"`},
		{"external without tenant", `{"name":"a","kind":"external"}`, 422, "needs a tenant"},
		{"internal with tenant", `{"name":"a","kind":"internal","tenant":"x"}`, 422, "internal token has no tenant"},
		{"host bits", `{"name":"a","kind":"internal","allow":["10.0.0.1/8"]}`, 422, `"10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?`},
		{"bad address", `{"name":"a","kind":"internal","allow":["10.0.0.0/8","300.1.1.1"]}`, 422, `allowlist entry "300.1.1.1"`},
		{"bad time", `{"name":"a","kind":"internal","expires":"tomorrow"}`, 422, `expires "tomorrow": want an RFC 3339 time`},
		{"past expiry", `{"name":"a","kind":"internal","expires":"` + past + `"}`, 422, "not in the future"},
		{"bad period", `{"name":"a","kind":"internal","quota":{"limit":5,"period":"week"}}`, 422, `quota period "week"`},
		{"no period", `{"name":"a","kind":"internal","quota":{"limit":5}}`, 422, "quota period is required"},
		{"zero limit", `{"name":"a","kind":"internal","quota":{"limit":0,"period":"day"}}`, 422, "quota limit 0"},
		{"bad interval", `{"name":"a","kind":"internal","rate":{"events":5,"interval":"often"}}`, 422, `rate interval "often"`},
		{"no interval", `{"name":"a","kind":"internal","rate":{"events":5}}`, 422, "rate interval is required"},
		{"zero events", `{"name":"a","kind":"internal","rate":{"events":0,"interval":"1s"}}`, 422, "want events ≥ 1"},
		{"bad scope", `{"name":"a","kind":"internal","scopes":["clients"]}`, 422, `scope "clients": want resource:action`},
		{"unknown role", `{"name":"a","kind":"internal","role":"ghost"}`, 422, `role "ghost" does not exist`},
		{"duplicate name", `{"name":" taken ","kind":"internal"}`, 409, "already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.op("POST", "/tokens", tc.body)
			if tc.body == "" { // serve sends no Content-Type without a body
				r = e.op("POST", "/tokens", "", "Content-Type", "application/json")
			}
			require.Equal(t, tc.status, r.Code, r.body)
			assert.Contains(t, errMsg(t, r), tc.msg)
		})
	}

	t.Run("content type", func(t *testing.T) {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/json-ish"} {
			r := e.op("POST", "/tokens", `{"name":"a","kind":"internal"}`, "Content-Type", ct)
			assert.Equal(t, http.StatusUnsupportedMediaType, r.Code, ct)
			assert.Contains(t, errMsg(t, r), "Content-Type: application/json")
		}
		r := e.op("POST", "/tokens", `{"name":"charset","kind":"internal"}`, "Content-Type", "application/json; charset=utf-8")
		assert.Equal(t, http.StatusCreated, r.Code, r.body)
		e.issued(r)
	})

	t.Run("too large", func(t *testing.T) {
		big := `{"name":"big","kind":"internal","description":"` + strings.Repeat("x", admin.DefaultMaxBodyBytes) + `"}`
		r := e.op("POST", "/tokens", big)
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Code, r.body[:min(len(r.body), 200)])
		assert.Contains(t, errMsg(t, r), "larger than 65536 bytes")
	})

	tokens, _, err := e.m.List(context.Background(), token.ListQuery{})
	require.NoError(t, err)
	assert.Len(t, tokens, 2, "no refused request created a token")
}

func TestList(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for _, tc := range []struct{ name, tenant string }{
		{"Sales CRM", "northwind"}, {"sales dashboard", "contoso"}, {"Nightly batch", ""}, {"Postman tests", "northwind"},
	} {
		if tc.tenant == "" {
			ids = append(ids, e.internal(tc.name).Token.ID)
		} else {
			ids = append(ids, e.external(tc.name, tc.tenant).Token.ID)
		}
	}
	list := func(query string) ([]string, string) {
		t.Helper()
		r := e.op("GET", "/tokens"+query, "")
		require.Equal(t, http.StatusOK, r.Code, r.body)
		l := decode[admin.TokenList](t, r)
		var got []string
		for _, tok := range l.Tokens {
			got = append(got, tok.ID)
		}
		return got, l.Next
	}

	got, next := list("")
	assert.Equal(t, ids, got)
	assert.Empty(t, next)
	got, _ = list("?tenant=northwind")
	assert.Equal(t, []string{ids[0], ids[3]}, got)
	got, _ = list("?kind=internal")
	assert.Equal(t, []string{ids[2]}, got)
	got, _ = list("?name_prefix=SALES")
	assert.Equal(t, []string{ids[0], ids[1]}, got)
	got, _ = list("?tenant=nobody")
	assert.Empty(t, got)
	assert.Contains(t, e.op("GET", "/tokens?tenant=nobody", "").body, `"tokens":[]`)

	// Paging: next feeds after until it is empty.
	var all []string
	query := "?limit=3"
	for range 5 {
		page, next := list(query)
		all = append(all, page...)
		if next == "" {
			break
		}
		query = "?limit=3&after=" + next
	}
	assert.Equal(t, ids, all)

	for _, q := range []string{"?limit=x", "?limit=0", "?limit=-1", "?kind=both", "?after=nope", "?colour=red",
		"?tenant=a&tenant=b", "?tenant=%00", "?name_prefix=%ff", "?limit=1;x"} {
		r := e.op("GET", "/tokens"+q, "")
		assert.Equal(t, http.StatusBadRequest, r.Code, q)
		assert.NotEmpty(t, errMsg(t, r), q)
	}
	got, _ = list("?limit=5000")
	assert.Equal(t, ids, got, "a large limit is capped, not refused")
}

func TestGetNotFound(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"0190b1f2-0000-7000-8000-000000000000", "nope", "..%2f..%2fetc", "%00"} {
		r := e.op("GET", "/tokens/"+id, "")
		assert.Equal(t, http.StatusNotFound, r.Code, id)
		assert.Equal(t, "token not found", errMsg(t, r), id)
	}
}

func TestPatch(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.op("PUT", "/roles/reader", `{"scopes":["reports:read"]}`).Code)
	require.Equal(t, http.StatusOK, e.op("PUT", "/roles/writer", `{"scopes":["reports:write"]}`).Code)
	tok := e.create(fullSpec).Token
	path := "/tokens/" + tok.ID
	patch := func(body string, headers ...string) resp {
		t.Helper()
		return e.op("PATCH", path, body, headers...)
	}

	e.clock.Advance(time.Minute)
	r := patch(`{"name":"Sales CRM v2","description":"new","role":"writer","scopes":["clients:*"],
		"allow":["192.168.1.0/24"],"expires":"2028-01-01T00:00:00Z","quota":{"limit":5,"period":"total"},
		"rate":{"events":1,"interval":"1m"},"metadata":{"a":"b"},"disabled":true}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.Equal(t, `"2"`, r.Header().Get("ETag"))
	got := decode[admin.Token](t, r)
	assert.Equal(t, "Sales CRM v2", got.Name)
	assert.Equal(t, "new", got.Description)
	assert.Equal(t, "writer", got.Role)
	assert.Equal(t, []string{"clients:*"}, got.Scopes)
	assert.Equal(t, []string{"192.168.1.0/24"}, got.Allow)
	assert.Equal(t, time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), got.Expires.UTC())
	assert.Equal(t, &admin.Quota{Limit: 5, Period: token.Lifetime}, got.Quota)
	assert.Equal(t, &admin.Rate{Events: 1, Interval: "1m0s"}, got.Rate)
	assert.Equal(t, map[string]string{"a": "b"}, got.Metadata)
	assert.True(t, got.Disabled)
	assert.Equal(t, start.Add(time.Minute), got.Updated)
	assert.Equal(t, tok.Hint, got.Hint, "editing keeps the secret")
	assert.EqualValues(t, 2, got.Version)

	// Only the members present change.
	r = patch(`{"disabled":false}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	got = decode[admin.Token](t, r)
	assert.False(t, got.Disabled)
	assert.Equal(t, "Sales CRM v2", got.Name)
	assert.Equal(t, []string{"clients:*"}, got.Scopes)

	// null clears.
	r = patch(`{"description":null,"role":null,"scopes":null,"allow":null,"expires":null,"quota":null,"rate":null,"metadata":null}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	got = decode[admin.Token](t, r)
	assert.Empty(t, got.Description)
	assert.Empty(t, got.Role)
	assert.Empty(t, got.Scopes)
	assert.Empty(t, got.Allow)
	assert.Nil(t, got.Expires)
	assert.Nil(t, got.Quota)
	assert.Nil(t, got.Rate)
	assert.Empty(t, got.Metadata)
	assert.Equal(t, "Sales CRM v2", got.Name)
	stored, err := e.m.Get(context.Background(), tok.ID)
	require.NoError(t, err)
	assert.True(t, stored.Expires.IsZero())
	assert.True(t, stored.Quota.IsZero())
	assert.True(t, stored.Rate.IsZero())
	assert.Empty(t, stored.Role)

	// An empty patch changes nothing, not even the version.
	r = patch(`{}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.EqualValues(t, 4, decode[admin.Token](t, r).Version)

	// A past expiry is accepted by an edit and expires the token at once.
	r = patch(`{"expires":"2020-01-01T00:00:00Z"}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.EqualValues(t, 5, decode[admin.Token](t, r).Version)

	for _, tc := range []struct {
		name, body string
		status     int
		msg        string
	}{
		{"kind", `{"kind":"internal"}`, 422, "kind cannot be changed"},
		{"same kind", `{"kind":"external"}`, 422, "kind cannot be changed"},
		{"tenant", `{"tenant":"contoso"}`, 422, "tenant cannot be changed"},
		{"unknown", `{"nmae":"typo"}`, 400, `unknown field "nmae"`},
		{"read-only", `{"hint":"x"}`, 400, `unknown field "hint"`},
		{"name null", `{"name":null}`, 422, "name cannot be cleared"},
		{"name empty", `{"name":"  "}`, 422, "name is required"},
		{"disabled null", `{"disabled":null}`, 422, "disabled cannot be null"},
		{"disabled string", `{"disabled":"yes"}`, 400, "disabled: want true or false"},
		{"bad allow", `{"allow":["192.168.1.0/24","192.168.1.7/24"]}`, 422, `"192.168.1.7/24" has host bits set`},
		{"unknown role", `{"role":"ghost"}`, 422, `role "ghost" does not exist`},
		{"bad quota", `{"quota":{"limit":-1,"period":"day"}}`, 422, "quota limit -1"},
		{"not an object", `"name"`, 400, "must be a JSON object"},
		{"malformed", `{`, 400, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := patch(tc.body)
			require.Equal(t, tc.status, r.Code, r.body)
			assert.Contains(t, errMsg(t, r), tc.msg)
		})
	}
	e.create(`{"name":"Other","kind":"internal"}`)
	r = patch(`{"name":"OTHER"}`)
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Contains(t, errMsg(t, r), "already exists")

	stored, err = e.m.Get(context.Background(), tok.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 5, stored.Version, "no refused patch changed the token")
	assert.Empty(t, stored.Allow)

	r = e.op("PATCH", "/tokens/0190b1f2-0000-7000-8000-000000000000", `{"name":"x"}`)
	assert.Equal(t, http.StatusNotFound, r.Code)
	r = patch(`{"name":"x"}`, "Content-Type", "text/plain")
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Code)
}

func TestPatchIfMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.internal("nightly batch").Token
	path := "/tokens/" + tok.ID
	patch := func(ifMatch string) resp {
		t.Helper()
		return e.op("PATCH", path, `{"description":`+strconv.Quote("edited at "+ifMatch)+`}`, "If-Match", ifMatch)
	}

	r := patch(`"1"`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.Equal(t, `"2"`, r.Header().Get("ETag"))

	r = patch(`"1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.Code, r.body)
	assert.Contains(t, errMsg(t, r), "changed since it was read")

	for _, tag := range []string{`"0"`, `"-1"`, `"abc"`, `W/"2"`, `"3", "4"`} {
		r = patch(tag)
		assert.Equal(t, http.StatusPreconditionFailed, r.Code, tag)
	}
	r = patch(`"9", "2"`)
	require.Equal(t, http.StatusOK, r.Code, "a list matches if any tag does")
	r = patch(`*`)
	require.Equal(t, http.StatusOK, r.Code)
	assert.Equal(t, `"4"`, r.Header().Get("ETag"))

	for _, tag := range []string{`4`, `"4`, `W/4`} {
		r = patch(tag)
		assert.Equal(t, http.StatusBadRequest, r.Code, tag)
		assert.Contains(t, errMsg(t, r), "If-Match")
	}

	// An empty patch still honours the condition.
	r = e.op("PATCH", path, `{}`, "If-Match", `"3"`)
	assert.Equal(t, http.StatusPreconditionFailed, r.Code)
	r = e.op("PATCH", path, `{}`, "If-Match", `"4"`)
	assert.Equal(t, http.StatusOK, r.Code)

	// DELETE and rotate cannot be made conditional.
	r = e.op("DELETE", path, "", "If-Match", `"4"`)
	assert.Equal(t, http.StatusBadRequest, r.Code)
	assert.Contains(t, errMsg(t, r), "If-Match is supported on PATCH only")
	r = e.op("POST", path+"/rotate", `{}`, "If-Match", `"4"`)
	assert.Equal(t, http.StatusBadRequest, r.Code)

	stored, err := e.m.Get(context.Background(), tok.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 4, stored.Version)
	assert.Equal(t, `edited at *`, stored.Description)
}

func TestRotate(t *testing.T) {
	e := newEnv(t)
	first := e.internal("nightly batch")
	path := "/tokens/" + first.Token.ID + "/rotate"

	r := e.op("POST", path, `{"grace":"1h"}`)
	require.Equal(t, http.StatusOK, r.Code, r.body)
	second := e.issued(r)
	assert.NotEqual(t, first.Secret, second.Secret)
	assert.Equal(t, first.Token.ID, second.Token.ID)
	assert.NotEqual(t, first.Token.Hint, second.Token.Hint)
	assert.EqualValues(t, 2, second.Token.Version)
	assert.Equal(t, `"2"`, r.Header().Get("ETag"))

	ctx := context.Background()
	_, err := e.m.Verify(ctx, first.Secret, token.Request{})
	require.NoError(t, err, "the old secret works during the grace")
	e.clock.Advance(time.Hour + time.Second)
	_, err = e.m.Verify(ctx, first.Secret, token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid, "and not after it")
	_, err = e.m.Verify(ctx, second.Secret, token.Request{})
	require.NoError(t, err)

	// No body: no grace; the previous secret stops at once.
	r = e.op("POST", path, "", "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, r.Code, r.body)
	third := e.issued(r)
	_, err = e.m.Verify(ctx, second.Secret, token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid)
	_, err = e.m.Verify(ctx, third.Secret, token.Request{})
	require.NoError(t, err)

	for _, tc := range []struct {
		body   string
		status int
		msg    string
	}{
		{`{"grace":"soon"}`, 422, `grace "soon"`},
		{`{"grace":"-1h"}`, 422, "must not be negative"},
		{`{"grace":3600}`, 400, "grace: want a string"},
		{`{"gracе":"1h"}`, 400, "unknown field"},
		{`[]`, 400, "must be a JSON object"},
	} {
		r := e.op("POST", path, tc.body)
		require.Equal(t, tc.status, r.Code, tc.body)
		assert.Contains(t, errMsg(t, r), tc.msg, tc.body)
	}
	r = e.op("POST", path, "")
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Code, "a cross-site form cannot rotate a token")
	r = e.op("POST", "/tokens/0190b1f2-0000-7000-8000-000000000000/rotate", `{}`)
	assert.Equal(t, http.StatusNotFound, r.Code)
	_, err = e.m.Verify(ctx, third.Secret, token.Request{})
	require.NoError(t, err, "refused rotations changed nothing")
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	tok := e.internal("nightly batch")
	path := "/tokens/" + tok.Token.ID

	r := e.op("DELETE", path, "")
	require.Equal(t, http.StatusNoContent, r.Code, r.body)
	assert.Empty(t, r.body)
	_, err := e.m.Verify(context.Background(), tok.Secret, token.Request{})
	require.ErrorIs(t, err, token.ErrInvalid)

	assert.Equal(t, http.StatusNotFound, e.op("GET", path, "").Code)
	r = e.op("DELETE", path, "")
	assert.Equal(t, http.StatusNotFound, r.Code)
	assert.Equal(t, "token not found", errMsg(t, r))
}

func TestUsage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	daily := e.create(`{"name":"daily","kind":"internal","quota":{"limit":10,"period":"day"}}`)
	for range 3 {
		_, err := e.m.Verify(ctx, daily.Secret, token.Request{})
		require.NoError(t, err)
	}
	r := e.op("GET", "/tokens/"+daily.Token.ID+"/usage", "")
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.JSONEq(t, `{"used":3,"limit":10,"remaining":7,"period":"day","reset":"2026-03-15T00:00:00Z","last_used":"2026-03-14T15:09:26Z"}`, r.body)

	total := e.create(`{"name":"total","kind":"internal","quota":{"limit":2,"period":"total"}}`)
	for range 3 {
		_, _ = e.m.Verify(ctx, total.Secret, token.Request{})
	}
	r = e.op("GET", "/tokens/"+total.Token.ID+"/usage", "")
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.JSONEq(t, `{"used":2,"limit":2,"remaining":0,"period":"total","last_used":"2026-03-14T15:09:26Z"}`, r.body)

	none := e.internal("unlimited")
	r = e.op("GET", "/tokens/"+none.Token.ID+"/usage", "")
	require.Equal(t, http.StatusOK, r.Code, r.body)
	assert.JSONEq(t, `{"used":0,"last_used":null}`, r.body)

	r = e.op("GET", "/tokens/0190b1f2-0000-7000-8000-000000000000/usage", "")
	assert.Equal(t, http.StatusNotFound, r.Code)
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/tokens", "GET, HEAD, POST"},
		{"POST", "/tokens/x", "GET, HEAD, PATCH, DELETE"},
		{"GET", "/tokens/x/rotate", "POST"},
		{"POST", "/tokens/x/usage", "GET, HEAD"},
		{"DELETE", "/roles", "GET, HEAD"},
		{"POST", "/roles/x", "GET, HEAD, PUT, DELETE"},
		{"POST", "/maintenance", "GET, HEAD, PUT"},
	} {
		r := e.op(tc.method, tc.path, "")
		assert.Equal(t, http.StatusMethodNotAllowed, r.Code, tc.path)
		assert.Equal(t, tc.allow, r.Header().Get("Allow"), tc.path)
		assert.Contains(t, errMsg(t, r), "not allowed", tc.path)
	}
	for _, p := range []string{"/", "/token", "/tokens/x/y", "/admin/tokens"} {
		r := e.op("GET", p, "")
		assert.Equal(t, http.StatusNotFound, r.Code, p)
		assert.Contains(t, errMsg(t, r), "no such API", p)
	}
}

func TestStoreFailure(t *testing.T) {
	e := newEnv(t)
	tok := e.internal("nightly batch").Token
	e.store.fail.Store(true)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/tokens", ""},
		{"POST", "/tokens", `{"name":"a","kind":"internal"}`},
		{"GET", "/tokens/" + tok.ID, ""},
		{"PATCH", "/tokens/" + tok.ID, `{"name":"b"}`},
		{"DELETE", "/tokens/" + tok.ID, ""},
		{"GET", "/tokens/" + tok.ID + "/usage", ""},
		{"GET", "/roles", ""},
		{"GET", "/maintenance", ""},
	} {
		r := e.op(tc.method, tc.path, tc.body)
		require.Equal(t, http.StatusServiceUnavailable, r.Code, tc.path)
		assert.Equal(t, "service unavailable, try again later", errMsg(t, r))
		assert.Equal(t, "5", r.Header().Get("Retry-After"))
		assert.NotContains(t, r.body, "10.1.2.3")
		assert.NotContains(t, r.body, "pq:")
		got := <-e.errs
		assert.ErrorIs(t, got, errStore, "the error handler sees the cause")
	}
	e.store.fail.Store(false)
	assert.Equal(t, http.StatusOK, e.op("GET", "/tokens/"+tok.ID, "").Code)
}

func TestNew(t *testing.T) {
	e := newEnv(t)
	for _, opts := range [][]admin.Option{
		{admin.WithTenant(nil)},
		{admin.WithErrorHandler(nil)},
		{admin.WithMaxBodyBytes(0)},
		{nil},
	} {
		_, err := admin.New(e.m, opts...)
		assert.ErrorIs(t, err, token.ErrValidation)
	}
	_, err := admin.New(nil)
	assert.ErrorIs(t, err, token.ErrValidation)

	h, err := admin.New(e.m, admin.WithMaxBodyBytes(40))
	require.NoError(t, err)
	r := e.serve(h, "POST", "/tokens", `{"name":"a longer name than forty bytes","kind":"internal"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Code)
	r = e.serve(h, "POST", "/tokens", `{"name":"short","kind":"internal"}`)
	assert.Equal(t, http.StatusCreated, r.Code)
	e.issued(r)
}
