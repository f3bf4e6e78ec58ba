using System;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Relative paths given to methods of output objects (VisionImage.Save('x.jpg')) resolve against the current
    /// PowerShell location, as every path in PowerShell does, not the process directory (which Set-Location never
    /// moves). The cmdlet that made the object hands over its session state, which always answers with the
    /// location current at the time of the call.
    /// </summary>
    internal static class PowerShellLocation
    {
        public static string Resolve(string path, SessionState? session)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }
            if (!Path.IsPathRooted(path) || path.StartsWith("~", StringComparison.Ordinal))
            {
                try
                {
                    if (session != null)
                    {
                        return FileSystemPath(session.Path, path);
                    }
                    Runspace? runspace = Runspace.DefaultRunspace;
                    if (runspace != null)
                    {
                        return FileSystemPath(runspace.SessionStateProxy.Path, path);
                    }
                }
                catch (Exception ex) when (ex is PSInvalidOperationException || ex is InvalidOperationException || ex is NotSupportedException || ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
                {
                    // No usable PowerShell location here (another thread, a busy runspace): fall back to the process's.
                }
            }
            return Path.GetFullPath(path);
        }

        /// <summary>
        /// A path to write to, relative to the PowerShell location, as a file-system path. A path on another provider
        /// (Env:/x.gif, Function:/x) is an <see cref="ArgumentException"/> saying so: its provider path ('x.gif') would
        /// otherwise be taken as a file relative to the process directory.
        /// </summary>
        public static string FileSystemPath(PathIntrinsics paths, string path)
        {
            string full = paths.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new ArgumentException($"'{path}' is a path on PowerShell's {provider.Name} drive, not in the file system.");
            }
            return full;
        }
    }
}
