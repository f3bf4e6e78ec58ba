using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Turns -Path (wildcards) and -LiteralPath values into file-system paths, writing one non-terminating error per
    /// path that does not exist or is not a file, so the rest of the batch goes on.
    /// </summary>
    internal static class ImagePathResolver
    {
        public static IEnumerable<string> Resolve(PSCmdlet cmdlet, IEnumerable<string> paths, bool literal)
        {
            foreach (string path in paths)
            {
                foreach (string resolved in ResolveOne(cmdlet, path, literal))
                {
                    yield return resolved;
                }
            }
        }

        private static List<string> ResolveOne(PSCmdlet cmdlet, string path, bool literal)
        {
            var result = new List<string>();
            if (FromPropertyAttribute.NotAPath(path) is object given)
            {
                cmdlet.WriteError(ImageInputs.NotAnImage(cmdlet, given));
                return result;
            }
            if (path.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(path, UriKind.Absolute, out Uri? fileUri)
                && fileUri.IsFile && FileUriPath(fileUri) is null)
            {
                cmdlet.WriteError(FileUriOnAnotherComputer(fileUri, path));
                return result;
            }
            if (LocalPathOfFileUri(path) is string local)
            {
                // file:///home/me/a%20b.jpg (a file manager's "copy location", a browser's address bar) is that file,
                // as a [uri] of it is; PowerShell would look for a drive named 'file'.
                path = local;
                literal = true;
            }
            try
            {
                ProviderInfo provider;
                if (literal)
                {
                    string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
                    if (IsFileSystem(cmdlet, provider, path))
                    {
                        result.Add(full);
                    }
                }
                else if (WildcardPattern.ContainsWildcardCharacters(path) && ExistsAsTyped(cmdlet, path) is string typed)
                {
                    // A file whose name holds [ ] or * (a Path property of an object, a pasted name) is that file.
                    result.Add(typed);
                }
                else
                {
                    foreach (string full in cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider))
                    {
                        if (IsFileSystem(cmdlet, provider, path))
                        {
                            result.Add(full);
                        }
                    }
                    if (result.Count == 0 && WildcardPattern.ContainsWildcardCharacters(path))
                    {
                        cmdlet.WriteError(NotFound(cmdlet, path, new ItemNotFoundException($"No file matches '{path}'.")));
                    }
                }
            }
            catch (ItemNotFoundException ex)
            {
                cmdlet.WriteError(NotFound(cmdlet, path, ex));
                return result;
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                cmdlet.WriteError(ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.InvalidArgument, path,
                    IsWebUrl(path) ? UrlGivenAsPath(cmdlet, path) : $"Cannot use the path '{path}': {ex.Message}"));
                return result;
            }
            result.RemoveAll(p =>
            {
                if (File.Exists(p))
                {
                    return false;
                }
                string message = Directory.Exists(p)
                    ? $"'{p}' is a folder, not an image file. Pipe its files instead, e.g. Get-ChildItem '{p}' -File | ..."
                    : $"Cannot find the image file '{p}'. Check the path; {PathAdvice(cmdlet)}";
                cmdlet.WriteError(ErrorIds.Create(new FileNotFoundException(message, p), ErrorIds.ImageNotFound,
                    ErrorCategory.ObjectNotFound, p, message));
                return true;
            });
            return result;
        }

        private static string? ExistsAsTyped(PSCmdlet cmdlet, string path)
        {
            try
            {
                string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
                return provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider) && File.Exists(full) ? full : null;
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
            {
                return null;
            }
        }

        private static bool IsFileSystem(PSCmdlet cmdlet, ProviderInfo provider, string path)
        {
            if (provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                return true;
            }
            string message = $"'{path}' is on the {provider.Name} provider; VisionPS reads images from the file system only.";
            cmdlet.WriteError(ErrorIds.Create(new ArgumentException(message), ErrorIds.ImageNotFound,
                ErrorCategory.InvalidArgument, path, message));
            return false;
        }

        private static string? LocalPathOfFileUri(string path)
            => path.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(path, UriKind.Absolute, out Uri? uri) && uri.IsFile
                ? FileUriPath(uri)
                : null;

        /// <summary>
        /// The path on this computer a file: URI names, or null when it names another computer (a host other than
        /// localhost: on Windows file://host/share/x.jpg would be read over SMB from that host). A '?' or '#' is part of
        /// the file name, as in the path the URI was copied from (file:///tmp/a#1.jpg is /tmp/a#1.jpg, not /tmp/a).
        /// </summary>
        internal static string? FileUriPath(Uri uri)
        {
            if (uri.Host.Length > 0 && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            // Rebuilt without its host: file://localhost/tmp/x.jpg is /tmp/x.jpg, not \\localhost\tmp\x.jpg.
            string local = new Uri("file://" + uri.AbsolutePath).LocalPath;
            return local + Uri.UnescapeDataString(uri.Query + uri.Fragment);
        }

        /// <summary>The error for a file: URI that names a file on another computer.</summary>
        internal static ErrorRecord FileUriOnAnotherComputer(Uri uri, object target)
        {
            string message = $"'{uri.OriginalString}' names a file on the computer '{uri.Host}'; VisionPS reads file: URIs of this computer only (no host, or localhost). Copy the file here and give its path.";
            return ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidImageInput, ErrorCategory.InvalidArgument, target, message);
        }

        private static bool IsWebUrl(string path)
            => Uri.TryCreate(path, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

        // An image URL where a file path goes (PowerShell would say there is no drive named 'https'): say what takes a URL.
        private static string UrlGivenAsPath(PSCmdlet cmdlet, string path) => cmdlet is Commands.ConvertToVisionImageCommand
            ? $"'{path}' is a URL, not a file path. Pass it with -Uri (add -Download to fetch it and prepare it here)."
            : $"'{path}' is a URL, not a file path. Download it first (Invoke-WebRequest -OutFile), or give it to Send-VisionChat, which takes image URLs.";

        /// <summary>
        /// How wildcards are read, for the cmdlet that runs: -Path and -LiteralPath where it has them; otherwise (-Image
        /// of Send-VisionChat, Add-AssistantImage, ...) that they are expanded and how to give a name with brackets.
        /// </summary>
        private static string PathAdvice(PSCmdlet cmdlet)
        {
            string name = cmdlet.MyInvocation.MyCommand.Name;
            bool literal = cmdlet.MyInvocation.MyCommand is CmdletInfo info && info.Parameters != null && info.Parameters.ContainsKey("LiteralPath");
            return literal
                ? "-Path expands wildcards, -LiteralPath does not."
                : $"wildcards (* ? [ ]) in it are expanded; to give a name with brackets as it is, pipe the file in: Get-Item -LiteralPath 'name' | {name}";
        }

        private static ErrorRecord NotFound(PSCmdlet cmdlet, string path, Exception ex)
        {
            string message = $"Cannot find the image file '{path}'. Check the path; {PathAdvice(cmdlet)}";
            return ErrorIds.Create(ex, ErrorIds.ImageNotFound, ErrorCategory.ObjectNotFound, path, message);
        }
    }
}
