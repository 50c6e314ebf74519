package masspay

import (
	"errors"
	"fmt"
)

// Error codes, spelled as Dwolla spells them. The HTTP layer maps each to a status.
const (
	ECodeBadRequest           = "BadRequest"
	ECodeValidation           = "ValidationError"
	ECodeNotFound             = "NotFound"
	ECodeForbidden            = "Forbidden"
	ECodeInvalidResourceState = "InvalidResourceState"
	ECodeConflict             = "Conflict"
	ECodeDuplicateResource    = "DuplicateResource"
	ECodeMaxResources         = "MaxNumberOfResources"
	ECodeInternal             = "ServerError"
)

// Codes used inside ValidationError entries and on failed items.
const (
	FCodeRequired          = "Required"
	FCodeInvalid           = "Invalid"
	FCodeInvalidFormat     = "InvalidFormat"
	FCodeDuplicate         = "Duplicate"
	FCodeNotAllowed        = "NotAllowed"
	FCodeRestricted        = "Restricted"
	FCodeInsufficientFunds = "InsufficientFunds"
	FCodeReadOnly          = "ReadOnly"
)

// Error is the one error type the domain hands to the HTTP layer. Code is a Dwolla error code;
// Fields is set for ValidationError; About, when set, is the path (e.g. "/funding-sources/ID") of
// the resource the error is about, rendered as an absolute _links.about.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	About   string
}

// FieldError is one entry of a ValidationError: what is wrong and where (a JSON pointer).
type FieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path"`
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%s at %s, %d in all)", e.Code, e.Message, e.Fields[0].Message, e.Fields[0].Path, len(e.Fields))
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the NotFound error with Dwolla's per-resource message.
func NotFound(message string) *Error { return &Error{Code: ECodeNotFound, Message: message} }

// ValidationMessage is Dwolla's top-level message for ValidationError.
const ValidationMessage = "Validation error(s) present. See embedded errors list for more details."

// Invalid returns a ValidationError carrying the given field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: ECodeValidation, Message: ValidationMessage, Fields: fields}
}

// ErrorCode returns the Dwolla code of err, or ServerError for anything that is not an *Error.
func ErrorCode(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return ECodeInternal
}

// IsNotFound reports whether err is a NotFound error.
func IsNotFound(err error) bool { return ErrorCode(err) == ECodeNotFound }

// ErrNoRows is what a Store returns when a single-row lookup finds nothing. Services turn it into
// the NotFound error with the resource's own message.
var ErrNoRows = errors.New("masspay: no rows")

// ErrUnique is what a Store wraps when an insert breaks a unique constraint (a duplicate email,
// correlation ID or idempotency key). Services turn it into the right Duplicate error.
var ErrUnique = errors.New("masspay: unique constraint")

// Fields collects field errors while a request is validated.
type Fields []FieldError

// Add appends one field error.
func (f *Fields) Add(code, path, format string, args ...any) {
	*f = append(*f, FieldError{Code: code, Message: fmt.Sprintf(format, args...), Path: path})
}

// Err returns nil when nothing was collected, or the ValidationError listing every problem.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}
