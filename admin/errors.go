package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenwarden/tokenwarden/token"
)

// Error is a refusal the Handler answers with: the HTTP status and the
// message sent to the client as msg. Err, when set, is the cause (often an
// error from token.Manager); it is for logs and errors.Is, never sent.
type Error struct {
	Status int
	Msg    string
	Err    error
}

// Error returns the message and, after it, the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("admin: %d %s", e.Status, e.Msg)
	}
	return fmt.Sprintf("admin: %d %s: %v", e.Status, e.Msg, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, format, args...)
}

func unprocessable(format string, args ...any) *Error {
	return newError(http.StatusUnprocessableEntity, format, args...)
}

// Messages sent for errors that carry no *Error of their own.
const (
	msgNotFound    = "not found"
	msgUnavailable = "service unavailable, try again later"
)

// StatusFor returns the status the Handler answers err with: an *Error's
// own status; 422 for token.ErrValidation and token.ErrUnknownRole; 404 for
// token.ErrNotFound; 409 for token.ErrDuplicate, token.ErrConflict and
// token.ErrRoleInUse; 413 for a body over the limit (*http.MaxBytesError);
// and 503 for anything else, which is the store failing.
func StatusFor(err error) int {
	var e *Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e.Status
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, token.ErrValidation), errors.Is(err, token.ErrUnknownRole):
		return http.StatusUnprocessableEntity
	case errors.Is(err, token.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, token.ErrDuplicate), errors.Is(err, token.ErrConflict), errors.Is(err, token.ErrRoleInUse):
		return http.StatusConflict
	}
	return http.StatusServiceUnavailable
}

// message returns the msg sent for err. Only an *Error's message and the
// text of a validation error (which names the field and the value the
// user sent) reach the client; a store's error text never does.
func message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	switch StatusFor(err) {
	case http.StatusRequestEntityTooLarge:
		return "request body too large"
	case http.StatusUnprocessableEntity:
		if errors.Is(err, token.ErrValidation) {
			return validationMessage(err)
		}
		return "unknown role"
	case http.StatusNotFound:
		return msgNotFound
	case http.StatusConflict:
		switch {
		case errors.Is(err, token.ErrDuplicate):
			return "a token with this name already exists; choose another name"
		case errors.Is(err, token.ErrRoleInUse):
			return "the role is in use by at least one token"
		}
		return "the token changed while it was being saved; read it again and retry"
	}
	return msgUnavailable
}

// validationMessage returns the part of a token.ErrValidation error after
// the sentinel's text: "name longer than 200 bytes".
func validationMessage(err error) string {
	s := err.Error()
	sep := token.ErrValidation.Error() + ": "
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return "invalid input"
}

// WriteError is the default rendering of an error: status StatusFor(err)
// with Content-Type: application/json, Cache-Control: no-store and the body
// {"code":"422","error":"Unprocessable Entity","msg":"…"}. The msg is an
// *Error's message, a validation message, or a fixed text for the status:
// the text of a store's error is never written. A 503 carries
// Retry-After: 5. For HEAD only the headers are written. err must not be
// nil.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusFor(err)
	b, merr := json.Marshal(errorBody{strconv.Itoa(status), http.StatusText(status), message(err)})
	if merr != nil {
		b = []byte(`{"code":"503","error":"Service Unavailable","msg":"` + msgUnavailable + `"}`)
		status = http.StatusServiceUnavailable
	}
	h := w.Header()
	setCommonHeaders(h)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

type errorBody struct {
	Code  string `json:"code"`
	Error string `json:"error"`
	Msg   string `json:"msg"`
}

func setCommonHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}
