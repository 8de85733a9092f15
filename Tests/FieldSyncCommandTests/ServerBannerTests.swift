@testable import fieldsync
import FieldSyncServer
import Testing

/// Issue 14, item 16: the start line names what the server really does.
@Suite struct ServerBannerTests {
    @Test func theBannerNamesTheSchemeAndTheStorageInUse() {
        var config = ServerConfig()
        config.databasePath = "/var/lib/fieldsync/server.sqlite"
        #expect(ServerCommand.banner(config, port: 8740).hasPrefix("FieldSync server listening on http://127.0.0.1:8740, database /var/lib/fieldsync/server.sqlite"))
        config.tlsCertificatePath = "/etc/fieldsync/cert.pem"
        config.tlsKeyPath = "/etc/fieldsync/key.pem"
        config.backend = .postgres
        config.postgresURL = "postgres://fieldsync:secret@db:5432/fieldsync"
        let banner = ServerCommand.banner(config, port: 8740)
        #expect(banner.hasPrefix("FieldSync server listening on https://"), "\(banner)")
        #expect(banner.contains("PostgreSQL") && !banner.contains("sqlite") && !banner.contains("secret"), "\(banner)")
    }
}
