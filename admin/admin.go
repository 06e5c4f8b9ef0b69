package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tokenwarden/tokenwarden/token"
)

// DefaultMaxBodyBytes is the largest request body accepted unless
// WithMaxBodyBytes says otherwise; a larger one is refused with 413.
const DefaultMaxBodyBytes = 64 << 10

// Option configures a Handler. New checks every option.
type Option func(*config)

type config struct {
	tenant     func(*http.Request) string
	tenantSet  bool
	onError    func(http.ResponseWriter, *http.Request, error)
	onErrorSet bool
	maxBody    int64
}

// WithTenant confines every operation to the tenant fn returns for the
// request: the API a product shows its customers. Listing shows only that
// tenant's external tokens; reading, editing, rotating, deleting or asking
// the usage of any other token (another tenant's, or an internal one)
// answers 404, exactly as for an id that does not exist; creating makes an
// external token for that tenant, and a body asking for another tenant or
// kind "internal" is refused with 422. Roles may be read but not written,
// and the maintenance switch is out of reach (403). A request for which fn
// returns "" is refused with 403.
//
// fn runs once per request, before the Handler's own routing, so it may
// read path values set by the router the Handler is mounted on
// (r.PathValue("company")). It must be safe for concurrent use. It decides
// whose tokens the request may see: take the tenant from what the
// product's authentication established, never from something the client
// can choose freely.
func WithTenant(fn func(*http.Request) string) Option {
	return func(c *config) { c.tenant, c.tenantSet = fn, true }
}

// WithErrorHandler replaces the rendering of error responses. fn receives
// the error: an *Error for refusals the Handler decides itself, or one
// wrapping the cause (often a token.Manager error: StatusFor gives its
// status). The default is WriteError; wrap it to log the error first. The
// Handler has set Content-Type: application/json and Cache-Control:
// no-store before fn runs. A store's error may hold details for a log
// that do not belong in a response.
func WithErrorHandler(fn func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(c *config) { c.onError, c.onErrorSet = fn, true }
}

// WithMaxBodyBytes sets the largest request body accepted (default
// DefaultMaxBodyBytes); a larger one is refused with 413. n must be
// positive.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.maxBody = n }
}

// Handler is the JSON administration API over a token.Manager; see the
// package documentation for its routes. Create one with New; it is safe
// for concurrent use and holds no per-request state.
type Handler struct {
	m       *token.Manager
	tenant  func(*http.Request) string
	onError func(http.ResponseWriter, *http.Request, error)
	maxBody int64
	mux     *http.ServeMux
}

// New returns the API over m: the operator API, or with WithTenant the API
// confined to one tenant. It returns an error matching token.ErrValidation
// for a nil Manager, a nil function or a body limit that is not positive.
func New(m *token.Manager, opts ...Option) (*Handler, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: admin: nil Manager", token.ErrValidation)
	}
	c := config{maxBody: DefaultMaxBodyBytes, onError: WriteError}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: admin: nil Option", token.ErrValidation)
		}
		o(&c)
	}
	switch {
	case c.tenantSet && c.tenant == nil:
		return nil, fmt.Errorf("%w: admin: WithTenant(nil)", token.ErrValidation)
	case c.onErrorSet && c.onError == nil:
		return nil, fmt.Errorf("%w: admin: WithErrorHandler(nil)", token.ErrValidation)
	case c.maxBody <= 0:
		return nil, fmt.Errorf("%w: admin: WithMaxBodyBytes(%d): must be positive", token.ErrValidation, c.maxBody)
	}
	h := &Handler{m: m, tenant: c.tenant, onError: c.onError, maxBody: c.maxBody, mux: http.NewServeMux()}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	for _, rt := range []struct {
		path    string
		methods map[string]http.HandlerFunc
	}{
		{"/tokens", map[string]http.HandlerFunc{"GET": h.listTokens, "POST": h.createToken}},
		{"/tokens/{id}", map[string]http.HandlerFunc{"GET": h.getToken, "PATCH": h.patchToken, "DELETE": h.deleteToken}},
		{"/tokens/{id}/rotate", map[string]http.HandlerFunc{"POST": h.rotateToken}},
		{"/tokens/{id}/usage", map[string]http.HandlerFunc{"GET": h.tokenUsage}},
		{"/roles", map[string]http.HandlerFunc{"GET": h.listRoles}},
		{"/roles/{name}", map[string]http.HandlerFunc{"GET": h.getRole, "PUT": h.putRole, "DELETE": h.deleteRole}},
		{"/maintenance", map[string]http.HandlerFunc{"GET": h.getMaintenance, "PUT": h.putMaintenance}},
	} {
		var allow []string
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if fn, ok := rt.methods[method]; ok {
				h.mux.HandleFunc(method+" "+rt.path, fn)
				allow = append(allow, method)
				if method == "GET" {
					allow = append(allow, "HEAD")
				}
			}
		}
		h.mux.HandleFunc(rt.path, h.methodNotAllowed(strings.Join(allow, ", ")))
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, newError(http.StatusNotFound, "no such API: see the routes of package admin"))
	})
}

func (h *Handler) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.fail(w, r, newError(http.StatusMethodNotAllowed, "method %s not allowed here; use %s", r.Method, allow))
	}
}

type tenantKey struct{}

// ServeHTTP serves the API. Every response carries Content-Type:
// application/json and Cache-Control: no-store.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setCommonHeaders(w.Header())
	if h.tenant != nil {
		t := h.tenant(r)
		if t == "" {
			h.fail(w, r, newError(http.StatusForbidden, "no tenant for this request"))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), tenantKey{}, t))
	}
	h.mux.ServeHTTP(w, r)
}

// tenantOf returns the tenant the request is confined to, if any.
func tenantOf(r *http.Request) (string, bool) {
	t, ok := r.Context().Value(tenantKey{}).(string)
	return t, ok
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.onError(w, r, err)
}

// reply writes v as JSON with status.
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.fail(w, r, fmt.Errorf("admin: encode response: %w", err))
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

func setETag(w http.ResponseWriter, version int64) {
	w.Header().Set("ETag", `"`+strconv.FormatInt(version, 10)+`"`)
}

// operatorOnly refuses confined requests; it reports whether to go on.
func (h *Handler) operatorOnly(w http.ResponseWriter, r *http.Request, what string) bool {
	if _, confined := tenantOf(r); confined {
		h.fail(w, r, newError(http.StatusForbidden, "only operators can %s", what))
		return false
	}
	return true
}

// body reads the request body: it must be declared as JSON (which also
// keeps cross-site HTML forms out) and fit the limit.
func (h *Handler) body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, newError(http.StatusUnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body larger than %d bytes", h.maxBody), Err: err}
	case err != nil:
		return nil, &Error{Status: http.StatusBadRequest, Msg: "could not read the request body", Err: err}
	}
	return b, nil
}

// validID reports whether id has the form of a token id (a UUID), so that
// nothing else ever reaches the store.
func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func tokenNotFound(err error) *Error {
	return &Error{Status: http.StatusNotFound, Msg: "token not found", Err: err}
}

// lookup returns the token named by the path, or answers 404 when there is
// none or the request's tenant may not see it.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) (*token.Token, bool) {
	id := r.PathValue("id")
	if !validID(id) {
		h.fail(w, r, tokenNotFound(nil))
		return nil, false
	}
	t, err := h.m.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, h.tokenError(err, ""))
		return nil, false
	}
	if tenant, confined := tenantOf(r); confined && (t.Kind != token.External || t.Tenant != tenant) {
		h.fail(w, r, tokenNotFound(nil))
		return nil, false
	}
	return t, true
}

// tokenError gives the errors of token operations their messages; role is
// the role the request named, if any.
func (h *Handler) tokenError(err error, role string) error {
	switch {
	case errors.Is(err, token.ErrNotFound):
		return tokenNotFound(err)
	case errors.Is(err, token.ErrUnknownRole):
		return &Error{Status: http.StatusUnprocessableEntity, Msg: fmt.Sprintf("role %q does not exist", role), Err: err}
	}
	return err
}

var listParams = map[string]bool{"tenant": true, "kind": true, "name_prefix": true, "after": true, "limit": true}

// cleanText reports whether s is valid UTF-8 without control characters.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if tenant, confined := tenantOf(r); confined {
		if (q.Tenant != "" && q.Tenant != tenant) || q.Kind == token.Internal {
			h.fail(w, r, newError(http.StatusForbidden, "this API lists only your own tenant's external tokens"))
			return
		}
		q.Tenant, q.Kind = tenant, token.External
	}
	tokens, next, err := h.m.List(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := TokenList{Tokens: make([]Token, 0, len(tokens)), Next: next}
	for _, t := range tokens {
		out.Tokens = append(out.Tokens, NewToken(t))
	}
	h.reply(w, r, http.StatusOK, out)
}

func listQuery(r *http.Request) (token.ListQuery, error) {
	var q token.ListQuery
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, badRequest("malformed query string")
	}
	for k, vs := range values {
		if !listParams[k] {
			return q, badRequest("unknown query parameter %q: want tenant, kind, name_prefix, after or limit", trim(k))
		}
		if len(vs) > 1 {
			return q, badRequest("query parameter %q given more than once", k)
		}
		if !cleanText(vs[0]) || len(vs[0]) > token.MaxNameLen {
			return q, badRequest("query parameter %q: want printable text of at most %d bytes", k, token.MaxNameLen)
		}
	}
	q.Tenant = values.Get("tenant")
	q.NamePrefix = values.Get("name_prefix")
	if k := values.Get("kind"); k != "" {
		if q.Kind, err = token.ParseKind(k); err != nil {
			return q, badRequest(`kind %q: want "internal" or "external"`, k)
		}
	}
	if q.After = values.Get("after"); q.After != "" && !validID(q.After) {
		return q, badRequest("after %q: want the next cursor of the previous page", q.After)
	}
	if l := values.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return q, badRequest("limit %q: want a whole number from 1 to %d", l, token.MaxPageSize)
		}
		q.Limit = min(n, token.MaxPageSize)
	}
	return q, nil
}

func trim(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	b, err := h.body(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tenant, _ := tenantOf(r)
	spec, err := decodeSpec(b, tenant)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	secret, t, err := h.m.Issue(r.Context(), spec)
	if err != nil {
		h.fail(w, r, h.tokenError(err, spec.Role))
		return
	}
	// Relative to the request path, .../tokens, whatever the mount point.
	w.Header().Set("Location", "tokens/"+t.ID)
	setETag(w, t.Version)
	h.reply(w, r, http.StatusCreated, Issued{Token: NewToken(t), Secret: secret.Reveal()})
}

func (h *Handler) getToken(w http.ResponseWriter, r *http.Request) {
	t, ok := h.lookup(w, r)
	if !ok {
		return
	}
	setETag(w, t.Version)
	h.reply(w, r, http.StatusOK, NewToken(t))
}

// ifMatch evaluates If-Match (RFC 9110, strong comparison) against the
// token's current version. It returns the version Update must still find
// (0: no condition); a condition that fails is 412.
func ifMatch(r *http.Request, current int64) (int64, error) {
	lines := r.Header.Values("If-Match")
	if len(lines) == 0 {
		return 0, nil
	}
	want := `"` + strconv.FormatInt(current, 10) + `"`
	matched := false
	for _, line := range lines {
		for tag := range strings.SplitSeq(line, ",") {
			tag = strings.TrimSpace(tag)
			switch {
			case tag == "*":
				return 0, nil
			case strings.HasPrefix(tag, `W/"`) && strings.HasSuffix(tag, `"`) && len(tag) >= 4:
				// A weak tag never matches under strong comparison.
			case strings.HasPrefix(tag, `"`) && strings.HasSuffix(tag, `"`) && len(tag) >= 2:
				matched = matched || tag == want
			default:
				return 0, badRequest(`If-Match: want the ETag as sent, such as "3"`)
			}
		}
	}
	if !matched {
		return 0, newError(http.StatusPreconditionFailed, "the token has changed since it was read: read it again and reapply the change")
	}
	return current, nil
}

// noIfMatch refuses If-Match where it cannot be honoured atomically.
func (h *Handler) noIfMatch(w http.ResponseWriter, r *http.Request) bool {
	if len(r.Header.Values("If-Match")) > 0 {
		h.fail(w, r, badRequest("If-Match is supported on PATCH only"))
		return false
	}
	return true
}

func (h *Handler) patchToken(w http.ResponseWriter, r *http.Request) {
	t, ok := h.lookup(w, r)
	if !ok {
		return
	}
	b, err := h.body(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, changed, err := decodeUpdate(b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u.IfVersion, err = ifMatch(r, t.Version); err != nil {
		h.fail(w, r, err)
		return
	}
	if changed {
		role := ""
		if u.Role != nil {
			role = *u.Role
		}
		if t, err = h.m.Update(r.Context(), t.ID, u); err != nil {
			if errors.Is(err, token.ErrConflict) && u.IfVersion != 0 {
				err = &Error{Status: http.StatusPreconditionFailed, Msg: "the token has changed since it was read: read it again and reapply the change", Err: err}
			}
			h.fail(w, r, h.tokenError(err, role))
			return
		}
	}
	setETag(w, t.Version)
	h.reply(w, r, http.StatusOK, NewToken(t))
}

func (h *Handler) rotateToken(w http.ResponseWriter, r *http.Request) {
	t, ok := h.lookup(w, r)
	if !ok || !h.noIfMatch(w, r) {
		return
	}
	b, err := h.body(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	grace, err := decodeRotate(b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	secret, t, err := h.m.Rotate(r.Context(), t.ID, grace)
	if err != nil {
		h.fail(w, r, h.tokenError(err, ""))
		return
	}
	setETag(w, t.Version)
	h.reply(w, r, http.StatusOK, Issued{Token: NewToken(t), Secret: secret.Reveal()})
}

func (h *Handler) deleteToken(w http.ResponseWriter, r *http.Request) {
	t, ok := h.lookup(w, r)
	if !ok || !h.noIfMatch(w, r) {
		return
	}
	if err := h.m.Delete(r.Context(), t.ID); err != nil {
		h.fail(w, r, h.tokenError(err, ""))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) tokenUsage(w http.ResponseWriter, r *http.Request) {
	t, ok := h.lookup(w, r)
	if !ok {
		return
	}
	u, err := h.m.Usage(r.Context(), t.ID)
	if err != nil {
		h.fail(w, r, h.tokenError(err, ""))
		return
	}
	h.reply(w, r, http.StatusOK, newUsage(u, t.LastUsed))
}

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := h.m.ListRoles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Roles []Role `json:"roles"`
	}{make([]Role, 0, len(roles))}
	for _, role := range roles {
		out.Roles = append(out.Roles, newRole(role))
	}
	h.reply(w, r, http.StatusOK, out)
}

func roleError(err error, name string) error {
	switch {
	case errors.Is(err, token.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Msg: "role not found", Err: err}
	case errors.Is(err, token.ErrRoleInUse):
		return &Error{Status: http.StatusConflict, Msg: fmt.Sprintf("role %q is in use by at least one token: move those tokens to another role first", name), Err: err}
	}
	return err
}

func (h *Handler) getRole(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if token.ValidateRoleName(name) != nil {
		h.fail(w, r, roleError(token.ErrNotFound, name))
		return
	}
	role, err := h.m.GetRole(r.Context(), name)
	if err != nil {
		h.fail(w, r, roleError(err, name))
		return
	}
	h.reply(w, r, http.StatusOK, newRole(role))
}

func (h *Handler) putRole(w http.ResponseWriter, r *http.Request) {
	if !h.operatorOnly(w, r, "define roles") {
		return
	}
	b, err := h.body(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	spec, err := decodeRole(b, r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	role, err := h.m.PutRole(r.Context(), spec)
	if err != nil {
		h.fail(w, r, roleError(err, spec.Name))
		return
	}
	h.reply(w, r, http.StatusOK, newRole(role))
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) {
	if !h.operatorOnly(w, r, "delete roles") {
		return
	}
	name := r.PathValue("name")
	if token.ValidateRoleName(name) != nil {
		h.fail(w, r, roleError(token.ErrNotFound, name))
		return
	}
	if err := h.m.DeleteRole(r.Context(), name); err != nil {
		h.fail(w, r, roleError(err, name))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) getMaintenance(w http.ResponseWriter, r *http.Request) {
	if !h.operatorOnly(w, r, "see the maintenance switch") {
		return
	}
	on, err := h.m.Maintenance(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.reply(w, r, http.StatusOK, Maintenance{On: on})
}

func (h *Handler) putMaintenance(w http.ResponseWriter, r *http.Request) {
	if !h.operatorOnly(w, r, "switch maintenance") {
		return
	}
	b, err := h.body(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	on, err := decodeMaintenance(b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.m.SetMaintenance(r.Context(), on); err != nil {
		h.fail(w, r, err)
		return
	}
	h.reply(w, r, http.StatusOK, Maintenance{On: on})
}
