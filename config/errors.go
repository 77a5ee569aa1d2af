package config

import (
	"errors"
	"strings"

	"github.com/cloudcfg/cloudcfg/loader"
)

// ErrSecretNotFound is matched, with errors.Is, by the error of FromEnv
// when a credential variable it needs is not set, and by the error of Load
// when no authentication method is set at all.
var ErrSecretNotFound = errors.New("config: secret not found")

// SecretNotFoundError names the variable FromEnv needed and did not find,
// and where it looked.
type SecretNotFoundError struct {
	// Name is the variable, such as AIRBYTE_CLOUD_CLIENT_SECRET.
	Name string
	// Searched lists the places looked in: the variable, its aliases and
	// its NAME_FILE form.
	Searched []string
}

// Error names the variable and the places searched.
func (e *SecretNotFoundError) Error() string {
	return "config: secret " + e.Name + " not found; searched " +
		strings.Join(e.Searched, ", ") +
		"; set it, or set AIRBYTE_CLOUD_BEARER_TOKEN instead"
}

// Unwrap returns ErrSecretNotFound.
func (e *SecretNotFoundError) Unwrap() error { return ErrSecretNotFound }

// ValidationError is the error of Load, New and FromEnv for an invalid
// configuration: every problem found, each naming the key, the variable
// and where the value came from.
type ValidationError = loader.ValidationError

// Problem is one entry of a ValidationError.
type Problem = loader.Problem

// markNotFound makes a "no authentication method" problem match
// ErrSecretNotFound.
func markNotFound(err error) error {
	var ve *loader.ValidationError
	if errors.As(err, &ve) {
		for i := range ve.Problems {
			if ve.Problems[i].Rule == loader.RuleNoUnit {
				ve.Problems[i].Err = ErrSecretNotFound
			}
		}
	}
	return err
}
