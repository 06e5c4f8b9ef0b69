package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenwarden/tokenwarden/token"
)

var roleTests = []test{
	{"no_roles_in_a_new_store", testRolesEmpty},
	{"PutRole_then_RoleByName_and_ListRoles_return_every_field", testRoleRoundTrip},
	{"unknown_role_is_ErrNotFound", testRoleUnknown},
	{"names_compare_exactly", testRoleNamesExact},
	{"ListRoles_is_in_ascending_byte_order_of_name", testRolesSorted},
	{"replacing_a_role_keeps_Created_and_saves_the_rest", testRoleReplace},
	{"values_passed_in_are_copied", testRoleInputCopied},
	{"DeleteRole_removes_it", testRoleDelete},
	{"DeleteRole_unknown_is_ErrNotFound", testRoleDeleteUnknown},
	{"DeleteRole_while_a_token_names_it_is_ErrRoleInUse", testRoleInUse},
	{"DeleteRole_works_once_no_token_names_it", testRoleFreed},
	{"CreateToken_naming_an_unknown_role_is_ErrUnknownRole_and_creates_nothing", testCreateUnknownRole},
	{"UpdateToken_naming_an_unknown_role_is_ErrUnknownRole_and_changes_nothing", testUpdateUnknownRole},
	{"concurrent_DeleteRole_and_CreateToken_naming_it_never_leave_a_dangling_role", testRoleDeleteRace},
}

func listRoles(t *testing.T, s token.Store) []*token.Role {
	t.Helper()
	rs, err := s.ListRoles(t.Context())
	require.NoError(t, err)
	return rs
}

func roleNames(rs []*token.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func testRolesEmpty(t *testing.T, s token.Store) {
	assert.Empty(t, listRoles(t, s))
}

func testRoleRoundTrip(t *testing.T, s token.Store) {
	want := &token.Role{
		Name:        "crm reader",
		Description: "Reads the CRM — «ñ» 'quoted'\nsecond line",
		Scopes:      []string{"clients:read", "case-notes:*", "reports:monthly:read"},
		Created:     at(-time.Hour),
		Updated:     at(time.Minute),
	}
	saved, err := s.PutRole(t.Context(), want.Clone())
	require.NoError(t, err)
	assertRole(t, want, saved)
	got, err := s.RoleByName(t.Context(), want.Name)
	require.NoError(t, err)
	assertRole(t, want, got)
	all := listRoles(t, s)
	require.Len(t, all, 1)
	assertRole(t, want, all[0])

	bare := &token.Role{Name: "empty", Created: base, Updated: base}
	saved, err = s.PutRole(t.Context(), bare.Clone())
	require.NoError(t, err)
	assertRole(t, bare, saved)
	got, err = s.RoleByName(t.Context(), "empty")
	require.NoError(t, err)
	assertRole(t, bare, got)
}

func testRoleUnknown(t *testing.T, s token.Store) {
	mustPutRole(t, s, "reader", base, "clients:read")
	r, err := s.RoleByName(t.Context(), "writer")
	assert.ErrorIs(t, err, token.ErrNotFound)
	assert.Nil(t, r)
}

func testRoleNamesExact(t *testing.T, s token.Store) {
	mustPutRole(t, s, "admin", base, "clients:read")
	mustPutRole(t, s, "Admin", base, "clients:write")
	mustPutRole(t, s, "ops", base, "ops:read")
	for _, c := range []struct{ name, scope string }{{"admin", "clients:read"}, {"Admin", "clients:write"}} {
		r, err := s.RoleByName(t.Context(), c.name)
		require.NoError(t, err)
		assert.Equal(t, c.name, r.Name)
		assert.Equal(t, []string{c.scope}, r.Scopes, "role %q", c.name)
	}
	for _, name := range []string{"ADMIN", "admin ", " admin", "Ops", "op"} {
		_, err := s.RoleByName(t.Context(), name)
		assert.ErrorIs(t, err, token.ErrNotFound, "RoleByName(%q)", name)
		assert.ErrorIs(t, s.DeleteRole(t.Context(), name), token.ErrNotFound, "DeleteRole(%q)", name)
	}
	assert.Len(t, listRoles(t, s), 3)
}

func testRolesSorted(t *testing.T, s token.Store) {
	// Byte order, as Go's sort.Strings: upper case before lower case and
	// "support-10" before "support-2", whatever the database collation.
	for _, n := range []string{"support-2", "billing", "Auditor", "admin", "support-10", "Zeta", "crm:reader"} {
		mustPutRole(t, s, n, base)
	}
	assert.Equal(t, []string{"Auditor", "Zeta", "admin", "billing", "crm:reader", "support-10", "support-2"}, roleNames(listRoles(t, s)))
}

func testRoleReplace(t *testing.T, s token.Store) {
	created := at(-24 * time.Hour)
	mustPutRole(t, s, "reader", created, "clients:read")
	next := &token.Role{
		Name:        "reader",
		Description: "now also reports",
		Scopes:      []string{"clients:read", "reports:read"},
		Created:     at(time.Hour), // a replacing caller does not know the original
		Updated:     at(time.Hour),
	}
	saved, err := s.PutRole(t.Context(), next.Clone())
	require.NoError(t, err)
	want := next.Clone()
	want.Created = created
	assertRole(t, want, saved)
	got, err := s.RoleByName(t.Context(), "reader")
	require.NoError(t, err)
	assertRole(t, want, got)
	assert.Len(t, listRoles(t, s), 1, "replacing does not add a role")

	// Replacing with fewer scopes removes the others.
	mustPutRole(t, s, "reader", at(2*time.Hour))
	got, err = s.RoleByName(t.Context(), "reader")
	require.NoError(t, err)
	assert.Empty(t, got.Scopes)
	assertTime(t, created, got.Created, "Created")
	assertTime(t, at(2*time.Hour), got.Updated, "Updated")
}

func testRoleInputCopied(t *testing.T, s token.Store) {
	in := &token.Role{Name: "reader", Scopes: []string{"clients:read"}, Created: base, Updated: base}
	want := in.Clone()
	_, err := s.PutRole(t.Context(), in)
	require.NoError(t, err)
	in.Scopes[0] = "*"
	in.Description = "changed"
	got, err := s.RoleByName(t.Context(), "reader")
	require.NoError(t, err)
	assertRole(t, want, got)
}

func testRoleDelete(t *testing.T, s token.Store) {
	mustPutRole(t, s, "reader", base, "clients:read")
	mustPutRole(t, s, "writer", base, "clients:write")
	require.NoError(t, s.DeleteRole(t.Context(), "reader"))
	_, err := s.RoleByName(t.Context(), "reader")
	assert.ErrorIs(t, err, token.ErrNotFound)
	assert.Equal(t, []string{"writer"}, roleNames(listRoles(t, s)))
	assert.ErrorIs(t, s.DeleteRole(t.Context(), "reader"), token.ErrNotFound, "deleting twice")
	// The name can be used again.
	mustPutRole(t, s, "reader", at(time.Hour), "reports:read")
	got, err := s.RoleByName(t.Context(), "reader")
	require.NoError(t, err)
	assert.Equal(t, []string{"reports:read"}, got.Scopes)
	assertTime(t, at(time.Hour), got.Created, "a re-created role has a new Created")
}

func testRoleDeleteUnknown(t *testing.T, s token.Store) {
	assert.ErrorIs(t, s.DeleteRole(t.Context(), "ghost"), token.ErrNotFound)
}

func testRoleInUse(t *testing.T, s token.Store) {
	ctx := t.Context()
	want := mustPutRole(t, s, "reader", base, "clients:read")
	mustPutRole(t, s, "writer", base, "clients:write")

	created := newRecord(t, "created with role")
	created.Token.Role = "reader"
	mustCreate(t, s, created)
	require.ErrorIs(t, s.DeleteRole(ctx, "reader"), token.ErrRoleInUse, "named by a created token")
	got, err := s.RoleByName(ctx, "reader")
	require.NoError(t, err, "a refused delete removes nothing")
	assertRole(t, want, got)

	updated := mustCreate(t, s, newRecord(t, "given role by update"))
	mustUpdate(t, s, updated.Token.ID, func(r *token.Record) { r.Token.Role = "writer" })
	require.ErrorIs(t, s.DeleteRole(ctx, "writer"), token.ErrRoleInUse, "named by an updated token")
	assert.Equal(t, []string{"reader", "writer"}, roleNames(listRoles(t, s)))
}

func testRoleFreed(t *testing.T, s token.Store) {
	ctx := t.Context()
	for _, n := range []string{"dropped", "swapped", "deleted", "target"} {
		mustPutRole(t, s, n, base, "clients:read")
	}
	mk := func(name, role string) *token.Record {
		r := newRecord(t, name)
		r.Token.Role = role
		return mustCreate(t, s, r)
	}
	a, b, c := mk("a", "dropped"), mk("b", "swapped"), mk("c", "deleted")
	// Two tokens name "dropped": it is in use until both let go.
	a2 := mk("a2", "dropped")

	mustUpdate(t, s, a.Token.ID, func(r *token.Record) { r.Token.Role = "" })
	require.ErrorIs(t, s.DeleteRole(ctx, "dropped"), token.ErrRoleInUse, "still named by a2")
	mustUpdate(t, s, a2.Token.ID, func(r *token.Record) { r.Token.Role = "" })
	assert.NoError(t, s.DeleteRole(ctx, "dropped"), "after every token dropped the role")

	mustUpdate(t, s, b.Token.ID, func(r *token.Record) { r.Token.Role = "target" })
	assert.NoError(t, s.DeleteRole(ctx, "swapped"), "after the token moved to another role")
	assert.ErrorIs(t, s.DeleteRole(ctx, "target"), token.ErrRoleInUse, "the role the token moved to")

	require.NoError(t, s.DeleteToken(ctx, c.Token.ID))
	assert.NoError(t, s.DeleteRole(ctx, "deleted"), "after the token was deleted")

	// An update that keeps the role does not release it.
	mustUpdate(t, s, b.Token.ID, func(r *token.Record) { r.Token.Description = "edited" })
	assert.ErrorIs(t, s.DeleteRole(ctx, "target"), token.ErrRoleInUse)
	assert.Equal(t, []string{"target"}, roleNames(listRoles(t, s)))
}

func testCreateUnknownRole(t *testing.T, s token.Store) {
	mustPutRole(t, s, "reader", base, "clients:read")
	for i, role := range []string{"writer", "Reader", "reader ", " reader"} {
		r := newRecord(t, nameN("roleless", i))
		r.Token.Role = role
		require.ErrorIs(t, s.CreateToken(t.Context(), r), token.ErrUnknownRole, "role %q", role)
		requireNotFoundByID(t, s, r.Token.ID)
		requireNotFoundByHash(t, s, r.Hash)
		// The name was not taken.
		mustCreate(t, s, newRecord(t, r.Token.Name))
	}
}

func testUpdateUnknownRole(t *testing.T, s token.Store) {
	mustPutRole(t, s, "gone", base, "clients:read")
	r := mustCreate(t, s, newRecord(t, "roleless"))
	require.NoError(t, s.DeleteRole(t.Context(), "gone"))
	before := mustGet(t, s, r.Token.ID).Clone()
	for _, role := range []string{"no such role", "gone"} {
		u := before.Clone()
		u.Token.Role = role
		u.Token.Description = "edited"
		require.ErrorIs(t, s.UpdateToken(t.Context(), u), token.ErrUnknownRole, "role %q", role)
	}
	assertRecord(t, before, mustGet(t, s, r.Token.ID))
}

func testRoleDeleteRace(t *testing.T, s token.Store) {
	// In each round, creators create tokens naming a fresh role while one
	// deleter deletes it; the deleter starts at a different place among
	// them each round. Whatever the interleaving, either the delete wins
	// and no token names the role, or it is refused and the role stays.
	const creators, rounds = 16, 16
	ctx := t.Context()
	for round := range rounds {
		role := nameN("contested", round)
		mustPutRole(t, s, role, base, "clients:read")
		recs := make([]*token.Record, creators)
		for i := range recs {
			recs[i] = newRecord(t, nameN(role+" token", i))
			recs[i].Token.Role = role
		}
		deleter := round % (creators + 1)
		errs := make([]error, creators+1)
		parallel(creators+1, func(i int) {
			switch {
			case i == deleter:
				errs[i] = s.DeleteRole(ctx, role)
			case i < deleter:
				errs[i] = s.CreateToken(ctx, recs[i])
			default:
				errs[i] = s.CreateToken(ctx, recs[i-1])
			}
		})
		delErr := errs[deleter]
		errs = append(errs[:deleter], errs[deleter+1:]...)

		created := 0
		for i, err := range errs {
			if err == nil {
				created++
				continue
			}
			assert.ErrorIs(t, err, token.ErrUnknownRole, "round %d creator %d", round, i)
		}
		var naming int
		for _, r := range list(t, s, token.ListQuery{NamePrefix: role + " token", Limit: token.MaxPageSize}) {
			if r.Token.Role == role {
				naming++
			}
		}
		assert.Equal(t, created, naming, "round %d: every token created names the role", round)
		_, roleErr := s.RoleByName(ctx, role)
		if delErr == nil {
			assert.Zero(t, created, "round %d: the role was deleted, yet %d tokens naming it were created", round, created)
			assert.ErrorIs(t, roleErr, token.ErrNotFound, "round %d", round)
		} else {
			assert.ErrorIs(t, delErr, token.ErrRoleInUse, "round %d", round)
			assert.Positive(t, created, "round %d: the delete was refused, yet no token names the role", round)
			assert.NoError(t, roleErr, "round %d: a refused delete removes nothing", round)
		}
	}
}
