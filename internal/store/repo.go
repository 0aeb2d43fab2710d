package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/internal/core"
)

// tables maps each instance-scoped kind to its table.
var tables = map[core.Kind]string{
	core.KindUser:            "users",
	core.KindSecurityProfile: "security_profiles",
	core.KindHours:           "hours_of_operation",
	core.KindQueue:           "queues",
	core.KindRoutingProfile:  "routing_profiles",
	core.KindPhoneNumber:     "phone_numbers",
	core.KindFlow:            "flows",
	core.KindPrompt:          "prompts",
	core.KindQuickConnect:    "quick_connects",
	core.KindFunction:        "functions",
	core.KindAgentStatus:     "agent_statuses",
	core.KindTrunk:           "trunks",
	core.KindChatWidget:      "chat_widgets",
}

func (s *Store) initRepos() {
	s.Users = newRepo[core.User](s, core.KindUser, "username")
	s.SecurityProfiles = newRepo[core.SecurityProfile](s, core.KindSecurityProfile, "name")
	s.Hours = newRepo[core.HoursOfOperation](s, core.KindHours, "name")
	s.Queues = newRepo[core.Queue](s, core.KindQueue, "name")
	s.RoutingProfiles = newRepo[core.RoutingProfile](s, core.KindRoutingProfile, "name")
	s.PhoneNumbers = newRepo[core.PhoneNumber](s, core.KindPhoneNumber, "number")
	s.Flows = newRepo[core.Flow](s, core.KindFlow, "name")
	s.Prompts = newRepo[core.Prompt](s, core.KindPrompt, "name")
	s.QuickConnects = newRepo[core.QuickConnect](s, core.KindQuickConnect, "name")
	s.Functions = newRepo[core.Function](s, core.KindFunction, "name")
	s.AgentStatuses = newRepo[core.AgentStatus](s, core.KindAgentStatus, "name")
	s.Trunks = newRepo[core.Trunk](s, core.KindTrunk, "name")
	s.ChatWidgets = newRepo[core.ChatWidget](s, core.KindChatWidget, "name")
}

// Repo stores one kind of instance-scoped resource. Every method takes the
// instance ID: a resource of another instance is never found, read or written.
type Repo[T any, P interface {
	*T
	core.Resource
}] struct {
	s         *Store
	kind      core.Kind
	table     string
	nameField string // the JSON field that holds the unique name, for conflict errors
}

func newRepo[T any, P interface {
	*T
	core.Resource
}](s *Store, kind core.Kind, nameField string) *Repo[T, P] {
	return &Repo[T, P]{s: s, kind: kind, table: tables[kind], nameField: nameField}
}

// Kind returns the kind of resource the repository holds.
func (r *Repo[T, P]) Kind() core.Kind { return r.kind }

// Page asks for one page of a listing.
type Page struct {
	// Token is the NextToken of the previous page, empty for the first.
	Token string
	// Max is the page size: 1 to 1000, 100 when zero.
	Max int
	// Name, when set, lists only the resource with that name.
	Name string
}

// MaxPageSize bounds Page.Max.
const MaxPageSize = 1000

// Create validates v, checks its references and inserts it, filling in its Meta.
func (r *Repo[T, P]) Create(ctx context.Context, instanceID string, v P) error {
	err := r.s.tx(ctx, func(tx *sql.Tx) error { return r.CreateTx(ctx, tx, instanceID, v) })
	if err == nil {
		r.s.changed(Change{Kind: r.kind, InstanceID: instanceID, ID: v.GetMeta().ID})
	}
	return err
}

// CreateTx is Create inside a caller's transaction.
func (r *Repo[T, P]) CreateTx(ctx context.Context, tx *sql.Tx, instanceID string, v P) error {
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	m := v.GetMeta()
	t := now()
	m.ID, m.InstanceID, m.Version, m.CreatedAt, m.UpdatedAt = newID(), instanceID, 1, t, t
	if err := checkInstance(ctx, tx, instanceID); err != nil {
		return err
	}
	if err := r.checkRefs(ctx, tx, instanceID, v); err != nil {
		return err
	}
	body, secret, err := encodeBody(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", r.kind, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO `+r.table+
		` (id, instance_id, name, version, body, secret, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		m.ID, instanceID, v.ResourceName(), m.Version, body, secret, t, t)
	if err != nil {
		return r.writeErr(err, v)
	}
	return r.putRefs(ctx, tx, instanceID, v)
}

// Get returns the resource with the given ID in the instance, or ErrNotFound.
func (r *Repo[T, P]) Get(ctx context.Context, instanceID, id string) (P, error) {
	return r.getWhere(ctx, r.s.read, "id = $1 AND instance_id = $2", id, instanceID)
}

// GetByName returns the resource with the given unique name in the instance.
func (r *Repo[T, P]) GetByName(ctx context.Context, instanceID, name string) (P, error) {
	return r.getWhere(ctx, r.s.read, "name = $1 AND instance_id = $2", name, instanceID)
}

// Find resolves ref as an ID first, then as a name.
func (r *Repo[T, P]) Find(ctx context.Context, instanceID, ref string) (P, error) {
	v, err := r.Get(ctx, instanceID, ref)
	if errors.Is(err, ErrNotFound) {
		return r.GetByName(ctx, instanceID, ref)
	}
	return v, err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (r *Repo[T, P]) getWhere(ctx context.Context, q querier, where string, args ...any) (P, error) {
	row := q.QueryRowContext(ctx, `SELECT id, instance_id, version, body, secret, created_at, updated_at FROM `+
		r.table+` WHERE `+where, args...)
	v, err := r.scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s %v: %w", r.kind, args[0], ErrNotFound)
	}
	return v, err
}

type scanner interface{ Scan(dest ...any) error }

func (r *Repo[T, P]) scan(row scanner) (P, error) {
	var (
		m            core.Meta
		body, secret string
	)
	if err := row.Scan(&m.ID, &m.InstanceID, &m.Version, &body, &secret, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return nil, err
	}
	v := P(new(T))
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", r.kind, m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	*v.GetMeta() = m
	if sv, ok := any(v).(core.Secretive); ok {
		sv.SetSecretValue(secret)
	}
	return v, nil
}

// List returns one page of the instance's resources in creation order and the
// token of the next page ("" on the last).
func (r *Repo[T, P]) List(ctx context.Context, instanceID string, p Page) ([]P, string, error) {
	after, err := decodeToken(p.Token)
	if err != nil {
		return nil, "", err
	}
	max := p.Max
	if max <= 0 {
		max = 100
	}
	if max > MaxPageSize {
		max = MaxPageSize
	}
	q := `SELECT id, instance_id, version, body, secret, created_at, updated_at FROM ` + r.table +
		` WHERE instance_id = $1 AND id > $2`
	args := []any{instanceID, after}
	if p.Name != "" {
		q += ` AND name = $3`
		args = append(args, p.Name)
	}
	q += fmt.Sprintf(` ORDER BY id LIMIT %d`, max+1)
	rows, err := r.s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", r.kind, err)
	}
	defer rows.Close()
	out := make([]P, 0, max)
	for rows.Next() {
		v, err := r.scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", r.kind, err)
	}
	next := ""
	if len(out) > max {
		out = out[:max]
		next = encodeToken(out[max-1].GetMeta().ID)
	}
	return out, next, nil
}

// All returns every resource of the instance (for exports and in-memory indexes).
func (r *Repo[T, P]) All(ctx context.Context, instanceID string) ([]P, error) {
	var all []P
	tok := ""
	for {
		page, next, err := r.List(ctx, instanceID, Page{Token: tok, Max: MaxPageSize})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		tok = next
	}
}

// everywhere returns every resource of this kind in every instance, by
// instance then creation order, secrets included: for deployment-wide
// indexes, never for a client.
func (r *Repo[T, P]) everywhere(ctx context.Context) ([]P, error) {
	rows, err := r.s.read.QueryContext(ctx, `SELECT id, instance_id, version, body, secret, created_at, updated_at FROM `+
		r.table+` ORDER BY instance_id, id`)
	if err != nil {
		return nil, fmt.Errorf("list every %s: %w", r.kind, err)
	}
	defer rows.Close()
	var out []P
	for rows.Next() {
		v, err := r.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list every %s: %w", r.kind, err)
	}
	return out, nil
}

// Update replaces the stored resource v.ID with v. If expectVersion is not
// zero and the stored version differs, it fails with a ConflictError.
func (r *Repo[T, P]) Update(ctx context.Context, instanceID string, v P, expectVersion int64) error {
	err := r.s.tx(ctx, func(tx *sql.Tx) error { return r.UpdateTx(ctx, tx, instanceID, v, expectVersion) })
	if err == nil {
		r.s.changed(Change{Kind: r.kind, InstanceID: instanceID, ID: v.GetMeta().ID})
	}
	return err
}

// UpdateTx is Update inside a caller's transaction.
func (r *Repo[T, P]) UpdateTx(ctx context.Context, tx *sql.Tx, instanceID string, v P, expectVersion int64) error {
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	m := v.GetMeta()
	cur, err := r.getWhere(ctx, tx, "id = $1 AND instance_id = $2", m.ID, instanceID)
	if err != nil {
		return err
	}
	cm := cur.GetMeta()
	if expectVersion != 0 && cm.Version != expectVersion {
		return &ConflictError{Field: "version", Msg: fmt.Sprintf("is %d, not %d: the %s changed since it was read", cm.Version, expectVersion, r.kind)}
	}
	if rc, ok := any(v).(core.Replacer); ok {
		if err := rc.CheckReplace(cur); err != nil {
			return err
		}
	}
	if err := r.checkRefs(ctx, tx, instanceID, v); err != nil {
		return err
	}
	// A Secretive resource updated without its secret keeps the stored one.
	if sv, ok := any(v).(core.Secretive); ok && sv.SecretValue() == "" {
		sv.SetSecretValue(secretOf(cur))
	}
	m.InstanceID, m.CreatedAt, m.Version, m.UpdatedAt = instanceID, cm.CreatedAt, cm.Version+1, now()
	body, secret, err := encodeBody(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", r.kind, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE `+r.table+
		` SET name = $1, version = $2, body = $3, secret = $4, updated_at = $5 WHERE id = $6 AND instance_id = $7 AND version = $8`,
		v.ResourceName(), m.Version, body, secret, m.UpdatedAt, m.ID, instanceID, cm.Version)
	if err != nil {
		return r.writeErr(err, v)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &ConflictError{Field: "version", Msg: "the " + string(r.kind) + " changed during the update; read it again"}
	}
	return r.putRefs(ctx, tx, instanceID, v)
}

// Delete removes the resource. It fails with a ConflictError naming the
// referrer while another resource still points at it, or naming the field
// that makes it undeletable (a core.DeleteGuard: a system agent status).
func (r *Repo[T, P]) Delete(ctx context.Context, instanceID, id string) error {
	_, guarded := any(P(new(T))).(core.DeleteGuard)
	err := r.s.tx(ctx, func(tx *sql.Tx) error {
		if guarded {
			cur, err := r.getWhere(ctx, tx, "id = $1 AND instance_id = $2", id, instanceID)
			if err != nil {
				return err
			}
			if fe := any(cur).(core.DeleteGuard).CheckDelete(); fe != nil {
				return &ConflictError{Field: fe.Field, Msg: fe.Message}
			}
		}
		var fromKind, fromID, field string
		err := tx.QueryRowContext(ctx, `SELECT from_kind, from_id, field FROM resource_refs
			WHERE to_kind = $1 AND to_id = $2 AND instance_id = $3 LIMIT 1`, string(r.kind), id, instanceID).
			Scan(&fromKind, &fromID, &field)
		switch {
		case err == nil:
			// The referrer's name as well as its ID: what an administrator
			// recognises ("used by queue … "Billing"").
			var name string
			if table, ok := tables[core.Kind(fromKind)]; ok {
				if err := tx.QueryRowContext(ctx, `SELECT name FROM `+table+` WHERE id = $1 AND instance_id = $2`,
					fromID, instanceID).Scan(&name); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("name of %s %s: %w", fromKind, fromID, err)
				}
			}
			if name != "" {
				return &ConflictError{Msg: fmt.Sprintf("%s %s is still used by %s %s %q (%s)", r.kind, id, fromKind, fromID, name, field)}
			}
			return &ConflictError{Msg: fmt.Sprintf("%s %s is still used by %s %s (%s)", r.kind, id, fromKind, fromID, field)}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("check references to %s: %w", r.kind, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+r.table+` WHERE id = $1 AND instance_id = $2`, id, instanceID)
		if err != nil {
			return fmt.Errorf("delete %s: %w", r.kind, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s %s: %w", r.kind, id, ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM resource_refs WHERE from_kind = $1 AND from_id = $2`, string(r.kind), id)
		return err
	})
	if err == nil {
		r.s.changed(Change{Kind: r.kind, InstanceID: instanceID, ID: id, Deleted: true})
	}
	return err
}

// Count returns how many resources of this kind the instance has.
func (r *Repo[T, P]) Count(ctx context.Context, instanceID string) (int, error) {
	var n int
	err := r.s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+r.table+` WHERE instance_id = $1`, instanceID).Scan(&n)
	return n, err
}

func (r *Repo[T, P]) checkRefs(ctx context.Context, tx *sql.Tx, instanceID string, v P) error {
	var c core.ValidationError
	for _, ref := range v.References() {
		table, ok := tables[ref.Kind]
		if !ok {
			return fmt.Errorf("reference %s to unknown kind %s", ref.Field, ref.Kind)
		}
		if ref.Kind == core.KindFlow && ref.FlowType != "" {
			fe, err := checkFlowType(ctx, tx, instanceID, ref)
			if err != nil {
				return err
			}
			if fe != nil {
				c.Errors = append(c.Errors, *fe)
			}
			continue
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = $1 AND instance_id = $2`, ref.ID, instanceID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			c.Errors = append(c.Errors, core.FieldError{Field: ref.Field, Message: fmt.Sprintf("no %s with id %q in this instance", ref.Kind, ref.ID)})
		} else if err != nil {
			return fmt.Errorf("check %s: %w", ref.Field, err)
		}
	}
	if len(c.Errors) > 0 {
		return &c
	}
	return nil
}

// checkFlowType checks a reference to a flow that must be of ref.FlowType:
// the flow exists in the instance and has that type.
func checkFlowType(ctx context.Context, tx *sql.Tx, instanceID string, ref core.Ref) (*core.FieldError, error) {
	var body string
	err := tx.QueryRowContext(ctx, `SELECT body FROM flows WHERE id = $1 AND instance_id = $2`, ref.ID, instanceID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return &core.FieldError{Field: ref.Field, Message: fmt.Sprintf("no %s with id %q in this instance", ref.Kind, ref.ID)}, nil
	} else if err != nil {
		return nil, fmt.Errorf("check %s: %w", ref.Field, err)
	}
	var f struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		return nil, fmt.Errorf("check %s: decode flow %s: %w", ref.Field, ref.ID, err)
	}
	if f.Type != ref.FlowType {
		return &core.FieldError{Field: ref.Field, Message: fmt.Sprintf("must be a %s flow; flow %q is a %s flow", ref.FlowType, f.Name, f.Type)}, nil
	}
	return nil, nil
}

func (r *Repo[T, P]) putRefs(ctx context.Context, tx *sql.Tx, instanceID string, v P) error {
	id := v.GetMeta().ID
	if _, err := tx.ExecContext(ctx, `DELETE FROM resource_refs WHERE from_kind = $1 AND from_id = $2`, string(r.kind), id); err != nil {
		return fmt.Errorf("clear references: %w", err)
	}
	for _, ref := range v.References() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO resource_refs (instance_id, from_kind, from_id, field, to_kind, to_id)
			VALUES ($1,$2,$3,$4,$5,$6)`, instanceID, string(r.kind), id, ref.Field, string(ref.Kind), ref.ID); err != nil {
			return fmt.Errorf("store reference %s: %w", ref.Field, err)
		}
	}
	return nil
}

func (r *Repo[T, P]) writeErr(err error, v P) error {
	switch {
	case isUnique(err):
		return &ConflictError{Field: r.nameField, Msg: fmt.Sprintf("%q is already taken", v.ResourceName())}
	case isForeignKey(err):
		return fmt.Errorf("instance %s: %w", v.GetMeta().InstanceID, ErrNotFound)
	}
	return fmt.Errorf("write %s: %w", r.kind, err)
}

// encodeBody serialises v without its secret or any write-only field, which
// are kept apart (the secret column) or not at all (a plain password).
func encodeBody(v core.Resource) (body, secret string, err error) {
	if sv, ok := v.(core.Secretive); ok {
		secret = sv.SecretValue()
		sv.SetSecretValue("")
		defer sv.SetSecretValue(secret)
	}
	if rv, ok := v.(core.Redactor); ok {
		rv.Redact()
	}
	b, err := json.Marshal(v)
	return string(b), secret, err
}

func secretOf(v any) string {
	if sv, ok := v.(core.Secretive); ok {
		return sv.SecretValue()
	}
	return ""
}

func checkInstance(ctx context.Context, tx *sql.Tx, instanceID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM instances WHERE id = $1`, instanceID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("instance %s: %w", instanceID, ErrNotFound)
	}
	return err
}

// newID returns a time-ordered UUIDv7 so listings page in creation order.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// NewID exposes the store's ID scheme to packages that create rows elsewhere.
func NewID() string { return newID() }

// InvalidTokenError means a pagination token was not one the API issued.
var errBadToken = core.Invalid("nextToken", "is not a token this API issued")

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 || len(b) > 64 {
		return "", errBadToken
	}
	return string(b), nil
}

func encodeToken(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }
