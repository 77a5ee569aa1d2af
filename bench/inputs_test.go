package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/secret"
)

// App is the configuration of the "app" input: a service with about
// twenty-five keys in nested sections, the Airbyte client among them.
// The default tags are cloudcfg's; the peers get the same defaults from
// appDefaults.
type App struct {
	Name     string                   `yaml:"name" validate:"required"`
	Stage    string                   `yaml:"stage" default:"dev" validate:"oneof=dev staging prod"`
	Server   Server                   `yaml:"server"`
	Database Database                 `yaml:"database"`
	Log      Log                      `yaml:"log"`
	Metrics  Metrics                  `yaml:"metrics"`
	Features []string                 `yaml:"features"`
	Airbyte  config.CloudClientConfig `yaml:"airbyte"`
}

// Server is the HTTP server section of App.
type Server struct {
	Host         string        `yaml:"host" default:"0.0.0.0"`
	Port         int           `yaml:"port" default:"8080" validate:"gt=0,lte=65535"`
	ReadTimeout  time.Duration `yaml:"read_timeout" default:"5s" validate:"gt=0"`
	WriteTimeout time.Duration `yaml:"write_timeout" default:"10s" validate:"gt=0"`
	TLS          TLS           `yaml:"tls"`
}

// TLS is the certificate of Server.
type TLS struct {
	CertFile string `yaml:"cert_file" validate:"required_with=KeyFile"`
	KeyFile  string `yaml:"key_file" validate:"required_with=CertFile"`
}

// Database is the database section of App.
type Database struct {
	URL         string        `yaml:"url" validate:"required"`
	Password    secret.String `yaml:"password" validate:"required,secret_trimmed"`
	MaxConns    int           `yaml:"max_conns" default:"10" validate:"gte=1"`
	MinConns    int           `yaml:"min_conns" default:"2" validate:"gte=0"`
	ConnTimeout time.Duration `yaml:"conn_timeout" default:"5s" validate:"gt=0"`
}

// Log is the logging section of App.
type Log struct {
	Level  string `yaml:"level" default:"info" validate:"oneof=debug info warn error"`
	Format string `yaml:"format" default:"text" validate:"oneof=text json"`
}

// Metrics is the metrics section of App.
type Metrics struct {
	Enabled bool   `yaml:"enabled"`
	Path    string `yaml:"path" default:"/metrics"`
	Port    int    `yaml:"port" default:"9100" validate:"gt=0,lte=65535"`
}

// appEnvPrefix names the variables of App's keys that have no env tag:
// APP_SERVER_PORT for server.port.
const appEnvPrefix = "APP"

// The secrets of the inputs.
const (
	clientSecret = "bench-client-secret"
	dbPassword   = "bench-db-password"
)

// input is one benchmark input: files, variables and the result every
// loader must give.
type input struct {
	name  string
	files []string
	env   map[string]string
	check func(got any) error
}

var airbyteWant = config.CloudClientConfig{
	ClientID:      secret.New("3f1c2a9e-bench-client-id"),
	ClientSecret:  secret.New(clientSecret),
	APIRoot:       "https://airbyte.example.com/api/public/v1",
	ConfigAPIRoot: "https://airbyte.example.com/api/v1",
	CAFile:        "testdata/ca.pem",
	Timeout:       20 * time.Second,
}

var appWant = App{
	Name:  "orders",
	Stage: "prod",
	Server: Server{
		Host:         "0.0.0.0",
		Port:         9090,
		ReadTimeout:  7 * time.Second,
		WriteTimeout: 15 * time.Second,
		TLS: TLS{
			CertFile: "/etc/orders/tls.crt",
			KeyFile:  "/etc/orders/tls.key",
		},
	},
	Database: Database{
		URL:         "postgres://db.prod.internal:5432/orders",
		Password:    secret.New(dbPassword),
		MaxConns:    40,
		MinConns:    2,
		ConnTimeout: 3 * time.Second,
	},
	Log:      Log{Level: "info", Format: "json"},
	Metrics:  Metrics{Enabled: true, Path: "/metrics", Port: 9100},
	Features: []string{"search", "export", "billing"},
	Airbyte: config.CloudClientConfig{
		ClientID:      secret.New("3f1c2a9e-bench-client-id"),
		ClientSecret:  secret.New(clientSecret),
		APIRoot:       "https://airbyte.example.com/api/public/v1",
		ConfigAPIRoot: "https://airbyte.example.com/api/v1",
		Timeout:       20 * time.Second,
	},
}

var inputs = []input{
	{
		name:  "airbyte",
		files: []string{"testdata/airbyte.yaml"},
		env: map[string]string{
			"AIRBYTE_CLOUD_CLIENT_SECRET": clientSecret,
			"AIRBYTE_CLOUD_TIMEOUT":       "20s",
		},
		check: checkAirbyte,
	},
	{
		name:  "app",
		files: []string{"testdata/app.yaml", "testdata/app.prod.yaml"},
		env: map[string]string{
			"APP_DATABASE_PASSWORD":       dbPassword,
			"APP_LOG_FORMAT":              "json",
			"APP_SERVER_READ_TIMEOUT":     "7s",
			"AIRBYTE_CLOUD_CLIENT_SECRET": clientSecret,
			"AIRBYTE_CLOUD_TIMEOUT":       "20s",
		},
		check: checkApp,
	},
	{
		name: "airbyte-envonly",
		env: map[string]string{
			"AIRBYTE_CLOUD_CLIENT_ID":      "3f1c2a9e-bench-client-id",
			"AIRBYTE_CLOUD_CLIENT_SECRET":  clientSecret,
			"AIRBYTE_CLOUD_API_URL":        airbyteWant.APIRoot,
			"AIRBYTE_CLOUD_CONFIG_API_URL": airbyteWant.ConfigAPIRoot,
			"AIRBYTE_CLOUD_CA_FILE":        airbyteWant.CAFile,
			"AIRBYTE_CLOUD_TIMEOUT":        "20s",
		},
		check: checkAirbyte,
	},
}

// diffs collects the fields of a result that differ from the expected
// ones, without showing secret values.
type diffs []string

func (d *diffs) str(name, got, want string) {
	if got != want {
		*d = append(*d, fmt.Sprintf("%s = %q, want %q", name, got, want))
	}
}

func (d *diffs) secret(name string, got, want secret.String) {
	if got.IsSet() != want.IsSet() || !got.Equal(want) {
		*d = append(*d, name+" differs from the expected secret")
	}
}

func (d *diffs) other(name string, got, want any) {
	if got != want {
		*d = append(*d, fmt.Sprintf("%s = %v, want %v", name, got, want))
	}
}

func (d diffs) err() error {
	if len(d) == 0 {
		return nil
	}
	return fmt.Errorf("wrong values: %s", strings.Join(d, "; "))
}

func (d *diffs) airbyte(prefix string, got, want *config.CloudClientConfig) {
	d.secret(prefix+"client_id", got.ClientID, want.ClientID)
	d.secret(prefix+"client_secret", got.ClientSecret, want.ClientSecret)
	d.secret(prefix+"bearer_token", got.BearerToken, want.BearerToken)
	d.str(prefix+"api_root", got.APIRoot, want.APIRoot)
	d.str(prefix+"config_api_root", got.ConfigAPIRoot, want.ConfigAPIRoot)
	d.other(prefix+"allow_insecure_http", got.AllowInsecureHTTP,
		want.AllowInsecureHTTP)
	d.str(prefix+"ca_file", got.CAFile, want.CAFile)
	d.other(prefix+"timeout", got.Timeout, want.Timeout)
}

func checkAirbyte(got any) error {
	c, ok := got.(*config.CloudClientConfig)
	if !ok || c == nil {
		return fmt.Errorf("got %T, want *config.CloudClientConfig", got)
	}
	var d diffs
	d.airbyte("", c, &airbyteWant)
	return d.err()
}

func checkApp(got any) error {
	a, ok := got.(*App)
	if !ok || a == nil {
		return fmt.Errorf("got %T, want *App", got)
	}
	w := &appWant
	var d diffs
	d.str("name", a.Name, w.Name)
	d.str("stage", a.Stage, w.Stage)
	d.other("server", a.Server, w.Server)
	d.str("database.url", a.Database.URL, w.Database.URL)
	d.secret("database.password", a.Database.Password, w.Database.Password)
	d.other("database.max_conns", a.Database.MaxConns, w.Database.MaxConns)
	d.other("database.min_conns", a.Database.MinConns, w.Database.MinConns)
	d.other("database.conn_timeout", a.Database.ConnTimeout,
		w.Database.ConnTimeout)
	d.other("log", a.Log, w.Log)
	d.other("metrics", a.Metrics, w.Metrics)
	if !slices.Equal(a.Features, w.Features) {
		d = append(d, fmt.Sprintf("features = %q, want %q", a.Features,
			w.Features))
	}
	d.airbyte("airbyte.", &a.Airbyte, &w.Airbyte)
	return d.err()
}
