package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/tokenwarden/tokenwarden/token"
)

// The decoding rules, shared by every body: the body is one JSON object;
// malformed JSON, another JSON type, a field given twice, an unknown field
// or a value of the wrong JSON type is 400; a value of the right type that
// cannot be accepted (a bad address, time, duration, period or kind) is
// 422 and names the field and the value.

// field is one member of a body object, in the order sent.
type field struct {
	name string
	raw  json.RawMessage
}

// parseObject splits data, a JSON object, into its members. An empty
// body is an empty object when allowEmpty is set.
func parseObject(data []byte, allowEmpty bool) ([]field, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		if allowEmpty {
			return nil, nil
		}
		return nil, badRequest("the request body is empty: send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, badRequest("malformed JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, badRequest("the request body must be a JSON object")
	}
	var out []field
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, badRequest("malformed JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, badRequest("malformed JSON: want a field name")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, badRequest("malformed JSON: %v", err)
		}
		if seen[name] {
			return nil, badRequest("field %q appears more than once", name)
		}
		seen[name] = true
		out = append(out, field{name, raw})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, badRequest("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badRequest("unexpected data after the JSON object")
	}
	return out, nil
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// decodeAs decodes raw into dst, refusing the wrong JSON type (and, for
// objects, unknown members) with 400.
func decodeAs(name string, raw json.RawMessage, dst any, want string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("%s: want %s", name, want)
	}
	return nil
}

func unknownField(name string) error {
	if len(name) > 64 {
		name = name[:64] + "…"
	}
	return badRequest("unknown field %q", name)
}

func parseString(name string, raw json.RawMessage) (string, error) {
	var s string
	return s, decodeAs(name, raw, &s, "a string")
}

func parseStrings(name string, raw json.RawMessage) ([]string, error) {
	var s []string
	return s, decodeAs(name, raw, &s, "an array of strings")
}

func parseBool(name string, raw json.RawMessage) (bool, error) {
	var b bool
	return b, decodeAs(name, raw, &b, "true or false")
}

func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	var m map[string]string
	return m, decodeAs("metadata", raw, &m, "an object of strings")
}

func parseKind(raw json.RawMessage) (token.Kind, error) {
	s, err := parseString("kind", raw)
	if err != nil {
		return 0, err
	}
	return token.ParseKind(s)
}

// parseAllow parses an allowlist typed as strings; a bad entry is 422 and
// named in the message.
func parseAllow(raw json.RawMessage) ([]netip.Prefix, error) {
	entries, err := parseStrings("allow", raw)
	if err != nil {
		return nil, err
	}
	return token.ParseAllowlist(entries...)
}

func parseTime(name string, raw json.RawMessage) (time.Time, error) {
	s, err := parseString(name, raw)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, unprocessable("%s %q: want an RFC 3339 time such as \"2027-01-31T18:00:00Z\"", name, s)
	}
	return t, nil
}

func parseDuration(name string, raw json.RawMessage) (time.Duration, error) {
	s, err := parseString(name, raw)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, unprocessable("%s %q: want a duration such as \"90s\", \"15m\" or \"1h\"", name, s)
	}
	return d, nil
}

func parseQuota(raw json.RawMessage) (token.Quota, error) {
	var q struct {
		Limit  *int64  `json:"limit"`
		Period *string `json:"period"`
	}
	if err := decodeAs("quota", raw, &q, `{"limit": 1000, "period": "day", "month" or "total"}`); err != nil {
		return token.Quota{}, err
	}
	if q.Limit == nil {
		return token.Quota{}, unprocessable("quota limit is required")
	}
	if q.Period == nil {
		return token.Quota{}, unprocessable(`quota period is required: "day", "month" or "total"`)
	}
	var p token.Period
	if err := p.UnmarshalText([]byte(*q.Period)); err != nil {
		return token.Quota{}, err
	}
	return token.Quota{Limit: *q.Limit, Period: p}, nil
}

func parseRate(raw json.RawMessage) (token.Rate, error) {
	var r struct {
		Events   *int    `json:"events"`
		Interval *string `json:"interval"`
		Burst    int     `json:"burst"`
	}
	if err := decodeAs("rate", raw, &r, `{"events": 10, "interval": "1s", "burst": 20}`); err != nil {
		return token.Rate{}, err
	}
	if r.Events == nil {
		return token.Rate{}, unprocessable("rate events is required")
	}
	if r.Interval == nil {
		return token.Rate{}, unprocessable(`rate interval is required, such as "1s" or "1m"`)
	}
	d, err := time.ParseDuration(*r.Interval)
	if err != nil {
		return token.Rate{}, unprocessable("rate interval %q: want a duration such as \"1s\" or \"1m\"", *r.Interval)
	}
	if d <= 0 {
		return token.Rate{}, unprocessable("rate interval %q: must be positive", *r.Interval)
	}
	return token.Rate{Events: *r.Events, Interval: d, Burst: r.Burst}, nil
}

// decodeSpec parses the body of POST /tokens. A null member is as if it
// were absent. With a tenant (a confined API), the token is external and
// that tenant's; a body asking for anything else is refused with 422.
// Without one, kind is required.
func decodeSpec(data []byte, tenant string) (token.Spec, error) {
	fields, err := parseObject(data, false)
	if err != nil {
		return token.Spec{}, err
	}
	var spec token.Spec
	var kindSet, tenantSet bool
	for _, f := range fields {
		if isNull(f.raw) {
			if !knownSpecField(f.name) {
				return token.Spec{}, unknownField(f.name)
			}
			continue
		}
		switch f.name {
		case "name":
			spec.Name, err = parseString(f.name, f.raw)
		case "description":
			spec.Description, err = parseString(f.name, f.raw)
		case "kind":
			kindSet = true
			spec.Kind, err = parseKind(f.raw)
		case "tenant":
			tenantSet = true
			spec.Tenant, err = parseString(f.name, f.raw)
		case "role":
			spec.Role, err = parseString(f.name, f.raw)
		case "scopes":
			spec.Scopes, err = parseStrings(f.name, f.raw)
		case "allow":
			spec.Allow, err = parseAllow(f.raw)
		case "expires":
			spec.Expires, err = parseTime(f.name, f.raw)
		case "quota":
			spec.Quota, err = parseQuota(f.raw)
		case "rate":
			spec.Rate, err = parseRate(f.raw)
		case "metadata":
			spec.Metadata, err = parseMetadata(f.raw)
		case "disabled":
			spec.Disabled, err = parseBool(f.name, f.raw)
		default:
			return token.Spec{}, unknownField(f.name)
		}
		if err != nil {
			return token.Spec{}, err
		}
	}
	if tenant != "" {
		if kindSet && spec.Kind != token.External {
			return token.Spec{}, unprocessable(`kind %q: only external tokens can be created here; leave kind out`, spec.Kind)
		}
		if tenantSet && spec.Tenant != tenant {
			return token.Spec{}, unprocessable("tenant %q: tokens are created for your own tenant; leave tenant out", spec.Tenant)
		}
		spec.Kind, spec.Tenant = token.External, tenant
		return spec, nil
	}
	if !kindSet {
		return token.Spec{}, unprocessable(`kind is required: "internal" or "external"`)
	}
	return spec, nil
}

func knownSpecField(name string) bool {
	switch name {
	case "name", "description", "kind", "tenant", "role", "scopes", "allow",
		"expires", "quota", "rate", "metadata", "disabled":
		return true
	}
	return false
}

// decodeUpdate parses the body of PATCH /tokens/{id}: the members present
// are changed. null clears description, role, scopes, allow (any address),
// expires, quota, rate and metadata; name and disabled cannot be null, and
// kind and tenant cannot be changed. changed is false for an empty object.
func decodeUpdate(data []byte) (u token.Update, changed bool, err error) {
	fields, err := parseObject(data, false)
	if err != nil {
		return token.Update{}, false, err
	}
	for _, f := range fields {
		null := isNull(f.raw)
		switch f.name {
		case "name":
			if null {
				return token.Update{}, false, unprocessable("name cannot be cleared: a token needs a name")
			}
			var s string
			s, err = parseString(f.name, f.raw)
			u.Name = &s
		case "description":
			var s string
			if !null {
				s, err = parseString(f.name, f.raw)
			}
			u.Description = &s
		case "role":
			var s string
			if !null {
				s, err = parseString(f.name, f.raw)
			}
			u.Role = &s
		case "scopes":
			var s []string
			if !null {
				s, err = parseStrings(f.name, f.raw)
			}
			u.Scopes = &s
		case "allow":
			var a []netip.Prefix
			if !null {
				a, err = parseAllow(f.raw)
			}
			u.Allow = &a
		case "expires":
			var t time.Time
			if !null {
				t, err = parseTime(f.name, f.raw)
			}
			u.Expires = &t
		case "quota":
			var q token.Quota
			if !null {
				q, err = parseQuota(f.raw)
			}
			u.Quota = &q
		case "rate":
			var r token.Rate
			if !null {
				r, err = parseRate(f.raw)
			}
			u.Rate = &r
		case "metadata":
			var m map[string]string
			if !null {
				m, err = parseMetadata(f.raw)
			}
			u.Metadata = &m
		case "disabled":
			if null {
				return token.Update{}, false, unprocessable("disabled cannot be null: send true or false")
			}
			var b bool
			b, err = parseBool(f.name, f.raw)
			u.Disabled = &b
		case "kind", "tenant":
			return token.Update{}, false, unprocessable("%s cannot be changed after a token is created", f.name)
		default:
			return token.Update{}, false, unknownField(f.name)
		}
		if err != nil {
			return token.Update{}, false, err
		}
	}
	return u, len(fields) > 0, nil
}

// decodeRotate parses the body of POST /tokens/{id}/rotate: {"grace":
// "1h"}, or an empty body for no grace.
func decodeRotate(data []byte) (time.Duration, error) {
	fields, err := parseObject(data, true)
	if err != nil {
		return 0, err
	}
	var grace time.Duration
	for _, f := range fields {
		switch {
		case f.name != "grace":
			return 0, unknownField(f.name)
		case isNull(f.raw):
			grace = 0
		default:
			if grace, err = parseDuration("grace", f.raw); err != nil {
				return 0, err
			}
			if grace < 0 {
				return 0, unprocessable("grace %q: must not be negative", grace)
			}
		}
	}
	return grace, nil
}

// decodeRole parses the body of PUT /roles/{name}: description and
// scopes. A name member, if sent, must equal the name in the path.
func decodeRole(data []byte, name string) (token.Role, error) {
	fields, err := parseObject(data, false)
	if err != nil {
		return token.Role{}, err
	}
	r := token.Role{Name: name}
	for _, f := range fields {
		if isNull(f.raw) {
			switch f.name {
			case "name", "description", "scopes":
				continue
			}
			return token.Role{}, unknownField(f.name)
		}
		switch f.name {
		case "name":
			var s string
			if s, err = parseString(f.name, f.raw); err == nil && s != name {
				return token.Role{}, unprocessable("name %q differs from the role in the path; a role cannot be renamed", s)
			}
		case "description":
			r.Description, err = parseString(f.name, f.raw)
		case "scopes":
			r.Scopes, err = parseStrings(f.name, f.raw)
		default:
			return token.Role{}, unknownField(f.name)
		}
		if err != nil {
			return token.Role{}, err
		}
	}
	return r, nil
}

// decodeMaintenance parses {"on": true}.
func decodeMaintenance(data []byte) (bool, error) {
	fields, err := parseObject(data, false)
	if err != nil {
		return false, err
	}
	on, set := false, false
	for _, f := range fields {
		if f.name != "on" {
			return false, unknownField(f.name)
		}
		if isNull(f.raw) {
			continue
		}
		if on, err = parseBool("on", f.raw); err != nil {
			return false, err
		}
		set = true
	}
	if !set {
		return false, unprocessable(`on is required: {"on": true} or {"on": false}`)
	}
	return on, nil
}
