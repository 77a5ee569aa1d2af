// Package config holds CloudClientConfig, the client configuration for the
// Airbyte API (Cloud, OSS and Enterprise), with its rules and the ways to
// build one: New from Go values, FromEnv from the environment, and Load from
// layered files, a dotenv file, the environment and explicit overrides.
package config

import (
	"time"

	"github.com/cloudcfg/cloudcfg/secret"
)

// CloudAPIRoot is the API root of Airbyte Cloud, the default api_root.
const CloudAPIRoot = "https://api.airbyte.com/v1"

// CloudConfigAPIRoot is the Config API root that belongs to CloudAPIRoot.
const CloudConfigAPIRoot = "https://cloud.airbyte.com/api/v1"

// CloudClientConfig is the configuration a client needs to reach the
// Airbyte API: an API root and exactly one authentication method, either
// client credentials (ClientID and ClientSecret) or a BearerToken.
//
// The struct tags drive the loader: yaml names the key, env the variables
// (the first wins over the aliases after it), default the value when no
// layer sets one, unit the authentication method a key belongs to, and
// validate the rules.
type CloudClientConfig struct {
	// ClientID is the OAuth2 client ID of the client credentials method.
	ClientID secret.String `yaml:"client_id" env:"AIRBYTE_CLOUD_CLIENT_ID,AIRBYTE_CLIENT_ID" unit:"auth.client_credentials" validate:"required_without=BearerToken,required_with=ClientSecret,excluded_with=BearerToken,secret_trimmed,secret_text" doc:"OAuth2 client ID, for the client credentials method."`

	// ClientSecret is the OAuth2 client secret of the client credentials
	// method.
	ClientSecret secret.String `yaml:"client_secret" env:"AIRBYTE_CLOUD_CLIENT_SECRET,AIRBYTE_CLIENT_SECRET" unit:"auth.client_credentials" validate:"required_without=BearerToken,required_with=ClientID,excluded_with=BearerToken,secret_trimmed,secret_text" doc:"OAuth2 client secret, for the client credentials method."`

	// BearerToken is a ready-made access token, the other method.
	BearerToken secret.String `yaml:"bearer_token" env:"AIRBYTE_CLOUD_BEARER_TOKEN,AIRBYTE_BEARER_TOKEN" unit:"auth.bearer_token" validate:"secret_trimmed,secret_text" doc:"A ready-made bearer token, instead of client credentials."`

	// APIRoot is the root URL of the public API, without a trailing slash.
	APIRoot string `yaml:"api_root" env:"AIRBYTE_CLOUD_API_URL,AIRBYTE_API_ROOT" default:"https://api.airbyte.com/v1" validate:"required,api_url" doc:"Root URL of the Airbyte public API."`

	// ConfigAPIRoot is the root URL of the Config API. When no layer sets
	// it, it is derived from APIRoot (see DeriveConfigAPIRoot).
	ConfigAPIRoot string `yaml:"config_api_root" env:"AIRBYTE_CLOUD_CONFIG_API_URL" validate:"omitempty,api_url" doc:"Root URL of the Config API; derived from api_root when unset."`

	// AllowInsecureHTTP permits a plain http API root on a host other than
	// loopback. Tokens then travel in clear text.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http" env:"AIRBYTE_CLOUD_ALLOW_INSECURE_HTTP" doc:"Allow a plain http API root on a host other than loopback."`

	// CAFile is a PEM bundle of extra root certificates, for self-managed
	// installs behind an internal certificate authority.
	CAFile string `yaml:"ca_file" env:"AIRBYTE_CLOUD_CA_FILE" doc:"PEM file of extra root certificates; system roots when unset."`

	// Timeout bounds each HTTP request of the authenticated client. Load
	// and New refuse zero; the auth package reads a zero left in a struct
	// literal as the default, 30 seconds.
	Timeout time.Duration `yaml:"timeout" env:"AIRBYTE_CLOUD_TIMEOUT" default:"30s" validate:"gt=0" doc:"Time limit of each HTTP request, a Go duration."`
}

// UsesBearerToken reports whether c authenticates with a bearer token.
func (c *CloudClientConfig) UsesBearerToken() bool { return c.BearerToken.IsSet() }

// UsesClientCredentials reports whether c authenticates with client
// credentials, that is whether both the client ID and secret are set.
func (c *CloudClientConfig) UsesClientCredentials() bool {
	return c.ClientID.IsSet() && c.ClientSecret.IsSet()
}
