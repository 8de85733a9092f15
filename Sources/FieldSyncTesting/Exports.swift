// The test clock, the seeded generator, the record factory and the vector files have one home
// (FieldSyncTestSupport, which the core's and the store's tests use without the server); every user of
// FieldSyncTesting sees them too.
@_exported import FieldSyncTestSupport
