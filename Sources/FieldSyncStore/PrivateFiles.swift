import Foundation

/// Owner-only files for everything the store writes: 0600 files in a 0700 directory.
///
/// SQLite creates a database with 0644 (less the umask) and gives its -wal, -shm and -journal files the
/// mode of the database file; so creating the file first, empty and 0600, is what keeps every file
/// SQLite adds private too. The process umask is left alone: it is not a library's to change.
enum PrivateFiles {
    static let fileMode: Int = 0o600
    static let directoryMode: Int = 0o700

    /// Creates `directory` 0700, or narrows an existing one that is ours and not shared to 0700.
    /// - Throws: `.insecurePermissions` for a directory shared with others (sticky, like /tmp, or not
    ///   ours): the store must live in a directory of its own.
    static func prepareDirectory(_ directory: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if !manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: directoryMode])
            } catch {
                throw StoreError(.io, "cannot create the store directory \(directory)", underlying: error)
            }
            return
        }
        guard isDirectory.boolValue else { throw StoreError(.io, "\(directory) is not a directory") }
        var info = stat()
        guard stat(directory, &info) == 0 else { throw StoreError(.io, "cannot read the permissions of \(directory)") }
        let mode = Int(info.st_mode) & 0o7777
        if mode & 0o077 == 0 { return }
        guard info.st_uid == geteuid(), mode & Int(S_ISVTX) == 0 else {
            throw StoreError(.insecurePermissions, "the store's directory \(directory) is shared with other users "
                + "(mode \(String(mode, radix: 8))): put the store in a directory of its own")
        }
        guard chmod(directory, mode_t(directoryMode)) == 0 else {
            throw StoreError(.insecurePermissions, "cannot make \(directory) private (chmod 0700)")
        }
    }

    /// Creates an empty 0600 file at `path` when there is none; narrows an existing one to 0600.
    static func prepareFile(_ path: String) throws {
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, mode_t(fileMode))
        guard descriptor >= 0 else { throw StoreError(.io, "cannot create \(path) (errno \(errno))") }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode_t(fileMode)) == 0 else { throw StoreError(.io, "cannot chmod 0600 \(path)") }
    }

    /// Narrows the files that exist among `paths` to 0600 (files an older version left 0644).
    static func narrow(_ paths: [String]) {
        for path in paths where FileManager.default.fileExists(atPath: path) { _ = chmod(path, mode_t(fileMode)) }
    }

    /// Overwrites the whole file with zeros in place, flushes it to the disk, then unlinks it. In place
    /// matters: a hard link taken earlier shares the inode and reads the zeros too.
    static func shred(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        if descriptor >= 0 {
            defer { close(descriptor) }
            var info = stat()
            let size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
            let zeros = [UInt8](repeating: 0, count: 65_536)
            var written = 0
            while written < max(size, 1) {
                let chunk = min(zeros.count, max(size, 1) - written)
                let result = zeros.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, chunk, off_t(written)) }
                guard result > 0 else { throw StoreError(.io, "cannot overwrite \(path) (errno \(errno))") }
                written += result
            }
            guard fsync(descriptor) == 0 else { throw StoreError(.io, "cannot flush \(path) (errno \(errno))") }
        }
        guard unlink(path) == 0 || errno == ENOENT else { throw StoreError(.io, "cannot remove \(path) (errno \(errno))") }
    }
}
