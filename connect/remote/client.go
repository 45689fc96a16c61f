// Package remote is a client of a Kafka Connect cluster's REST API: with
// ksql.connect.url set, eddy's connector statements manage connectors
// there, as ksqlDB's do, instead of running its built-in ones.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
)

// Config says where the Connect cluster is and how to reach it.
type Config struct {
	// URL is ksql.connect.url, e.g. http://connect:8083 (a path prefix is
	// kept; user info in it is sent as basic credentials).
	URL string
	// Username and Password, when set, are sent as basic credentials
	// (ksql.connect.basic.auth.credentials.source=FILE).
	Username, Password string
	// Timeout bounds each request (ksql.connect.request.timeout.ms; 5 s
	// when zero).
	Timeout time.Duration
	// Backoff is the first wait between attempts (100 ms when zero).
	Backoff time.Duration
}

// maxAttempts is how often a request is sent when the cluster answers
// 5xx or 409 (a rebalance in progress) or cannot be reached, as ksqlDB
// tries.
const maxAttempts = 3

// Client talks to one Connect cluster. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	cfg     Config
	http    *http.Client
	backoff time.Duration
}

// New checks cfg and returns a client; it does not contact the cluster.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("ksql.connect.url %q: %w", cfg.URL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ksql.connect.url %q: want http://host:port or https://host:port", cfg.URL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	b := cfg.Backoff
	if b <= 0 {
		b = 100 * time.Millisecond
	}
	return &Client{base: u, cfg: cfg, http: &http.Client{Timeout: cfg.Timeout}, backoff: b}, nil
}

// URL is the cluster's address without credentials, for messages.
func (c *Client) URL() string { return c.base.Redacted() }

// Error is an answer the cluster gave with an unexpected status. Its
// text is the body as the cluster sent it, as ksqlDB shows it.
type Error struct {
	Status int
	Body   string
}

func (e *Error) Error() string { return e.Body }

// NotFound reports whether err is the cluster's 404.
func NotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// Connectors lists the connectors' names.
func (c *Client) Connectors(ctx context.Context) ([]string, error) {
	var names []string
	err := c.do(ctx, http.MethodGet, []string{"connectors"}, nil, &names, http.StatusOK)
	return names, err
}

// Create creates a connector; cfg holds connector.class and the rest.
func (c *Client) Create(ctx context.Context, name string, cfg map[string]string) (api.ConnectorInfo, error) {
	var info api.ConnectorInfo
	body := map[string]any{"name": name, "config": cfg}
	err := c.do(ctx, http.MethodPost, []string{"connectors"}, body, &info, http.StatusCreated, http.StatusOK)
	return info, err
}

// Validate asks the cluster to check cfg against class and returns the
// problems it names, each as "name - error. error", as ksqlDB words them.
func (c *Client) Validate(ctx context.Context, class string, cfg map[string]string) ([]string, error) {
	var out struct {
		Configs []struct {
			Value struct {
				Name   string   `json:"name"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	if err := c.do(ctx, http.MethodPut, []string{"connector-plugins", class, "config", "validate"}, cfg, &out, http.StatusOK); err != nil {
		return nil, err
	}
	var problems []string
	for _, ci := range out.Configs {
		if len(ci.Value.Errors) > 0 {
			problems = append(problems, ci.Value.Name+" - "+strings.Join(ci.Value.Errors, ". "))
		}
	}
	return problems, nil
}

// Describe returns a connector's name, configuration, tasks and type.
func (c *Client) Describe(ctx context.Context, name string) (api.ConnectorInfo, error) {
	var info api.ConnectorInfo
	err := c.do(ctx, http.MethodGet, []string{"connectors", name}, nil, &info, http.StatusOK)
	return info, err
}

// Status returns a connector's and its tasks' states.
func (c *Client) Status(ctx context.Context, name string) (api.ConnectorState, error) {
	var st api.ConnectorState
	err := c.do(ctx, http.MethodGet, []string{"connectors", name, "status"}, nil, &st, http.StatusOK)
	return st, err
}

// Topics returns the topics a connector has used (Kafka 2.5 and later;
// older clusters answer 404).
func (c *Client) Topics(ctx context.Context, name string) ([]string, error) {
	var out map[string]struct {
		Topics []string `json:"topics"`
	}
	if err := c.do(ctx, http.MethodGet, []string{"connectors", name, "topics"}, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return out[name].Topics, nil
}

// Delete deletes a connector.
func (c *Client) Delete(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, []string{"connectors", name}, nil, nil, http.StatusNoContent, http.StatusOK)
}

// Pause and Resume pause and resume a connector and its tasks.
func (c *Client) Pause(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPut, []string{"connectors", name, "pause"}, nil, nil, http.StatusAccepted, http.StatusOK, http.StatusNoContent)
}

func (c *Client) Resume(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPut, []string{"connectors", name, "resume"}, nil, nil, http.StatusAccepted, http.StatusOK, http.StatusNoContent)
}

// Stop stops a connector (Kafka Connect 3.5+'s STOPPED).
func (c *Client) Stop(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPut, []string{"connectors", name, "stop"}, nil, nil, http.StatusNoContent, http.StatusAccepted, http.StatusOK)
}

// Plugins lists the connector classes the cluster has.
func (c *Client) Plugins(ctx context.Context) ([]api.ConnectorPluginInfo, error) {
	var out []struct {
		Class   string `json:"class"`
		Type    string `json:"type"`
		Version string `json:"version"`
	}
	if err := c.do(ctx, http.MethodGet, []string{"connector-plugins"}, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	plugins := make([]api.ConnectorPluginInfo, len(out))
	for i, p := range out {
		plugins[i] = api.ConnectorPluginInfo{ClassName: p.Class, Type: p.Type, Version: p.Version}
	}
	return plugins, nil
}

// do sends one request (again, after a growing wait, while the cluster
// answers 5xx or 409 or cannot be reached, up to maxAttempts) and decodes
// an answer with one of the ok statuses into out.
func (c *Client) do(ctx context.Context, method string, segments []string, in, out any, ok ...int) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	u := *c.base
	u.User = nil
	u.Path = strings.TrimSuffix(c.base.Path, "/") + "/" + strings.Join(segments, "/")
	u.RawPath = escapedPath(c.base.EscapedPath(), segments)
	wait := c.backoff
	var lastErr error
	for attempt := 1; ; attempt++ {
		status, data, err := c.send(ctx, method, u.String(), body)
		switch {
		case err != nil:
			lastErr = fmt.Errorf("Kafka Connect at %s: %w", c.URL(), err)
		case slices.Contains(ok, status):
			if out == nil || len(bytes.TrimSpace(data)) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("Kafka Connect at %s: %s %s: %w", c.URL(), method, u.Path, err)
			}
			return nil
		default:
			lastErr = &Error{Status: status, Body: string(data)}
			if status < 500 && status != http.StatusConflict {
				return lastErr
			}
		}
		if attempt == maxAttempts || ctx.Err() != nil {
			return lastErr
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return lastErr
		}
		wait *= 2
	}
}

func (c *Client) send(ctx context.Context, method, u string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.cfg.Username != "":
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	case c.base.User != nil:
		pw, _ := c.base.User.Password()
		req.SetBasicAuth(c.base.User.Username(), pw)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, data, err
}

// escapedPath joins base and the segments, each segment escaped as one
// path element (a connector or class name may hold '/' or spaces).
func escapedPath(base string, segments []string) string {
	p := strings.TrimSuffix(base, "/")
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}
