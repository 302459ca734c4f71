package lakeformation

import (
	"fmt"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Errors are *awsproto.Error with Lake Formation's codes (spec §9.2): the closed set below.
func invalidInput(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", format, args...)
}

func entityNotFound(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "EntityNotFoundException", format, args...)
}

func alreadyExists(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "AlreadyExistsException", format, args...)
}

func accessDenied(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusForbidden, "AccessDeniedException", format, args...)
}

func permissionTypeMismatch(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "PermissionTypeMismatchException", format, args...)
}

func internal(err error) error { return fmt.Errorf("lakeformation: %w", err) }
