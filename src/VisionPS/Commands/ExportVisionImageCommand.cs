using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Management.Automation;
using VisionPS.Core;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Writes prepared images (ConvertTo-VisionImage output) to files, resolving paths as PowerShell does.
    /// </summary>
    /// <remarks>
    /// <para>Export-VisionImage writes the bytes a VisionImage would send (upright, resized, converted) to a file. A
    /// relative -Path is taken from the current PowerShell location, like every PowerShell path. When -Path is an
    /// existing folder, each image is written there under its source file's name with the extension of its format
    /// (IMG_0042.HEIC becomes IMG_0042.jpg; page 2 of scan.pdf becomes scan-page2.jpg). An existing file is replaced
    /// unless -NoClobber is given, but a file this command already wrote is never replaced by a later image of the
    /// same run (two images piped to one file name, or two sources with one name): that image is an ImageExportFailed
    /// error instead. A file named as another image format than the one it holds (logo.jpg for a transparent image,
    /// which is prepared as PNG) is written as asked, with a warning that says what it holds and how to make the name
    /// and the format agree. It writes the files it wrote (FileInfo). A URL image has no local bytes and is an error
    /// (ImageHasNoBytes).</para>
    /// </remarks>
    /// <example>
    /// <code>ConvertTo-VisionImage IMG_0042.HEIC -MaxSide 1024 | Export-VisionImage IMG_0042.jpg</code>
    /// <para>Writes the upright, 1024-pixel JPEG version of a phone photo next to it, in the current folder.</para>
    /// </example>
    /// <example>
    /// <code>Get-ChildItem ~/Pictures -File | ConvertTo-VisionImage -Model gpt-4.1 | Export-VisionImage ./for-the-model</code>
    /// <para>Writes what the model would be sent of every picture into an existing folder, one file per picture.</para>
    /// </example>
    [Cmdlet(VerbsData.Export, "VisionImage", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportVisionImageCommand : PSCmdlet
    {
        /// <summary>The file to write, or an existing folder to write each image into under its own name; relative to the current location.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The prepared images, from ConvertTo-VisionImage.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public VisionImage? InputObject { get; set; }

        /// <summary>Refuses to replace an existing file (the error is ImageExportFailed).</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        // Files written by this run (target -> the image's source), so a later image never silently replaces one.
        private readonly Dictionary<string, string> _written = new Dictionary<string, string>(
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);

        protected override void BeginProcessing() => ScriptPreferences.Apply(this);

        protected override void ProcessRecord()
        {
            VisionImage image = InputObject!;
            string target;
            try
            {
                target = PowerShellLocation.FileSystemPath(SessionState.Path, Path);
            }
            catch (Exception ex) when (ex is SessionStateException || ex is PSInvalidOperationException || ex is ProviderInvocationException || ex is NotSupportedException || ex is ArgumentException)
            {
                // A drive or provider that does not exist (nosuch:\x.jpg): this image's error, and the next image goes on.
                string message = $"Cannot write '{image.Source}' to '{Path}': {MessageText.Sentence(ex.Message)} Give a file-system -Path, such as ./out or C:\\out.";
                WriteError(ErrorIds.Create(ex, ErrorIds.ImageExportFailed, ErrorCategory.InvalidArgument, Path, message));
                return;
            }
            if (Directory.Exists(target))
            {
                target = System.IO.Path.Combine(target, FileNameFor(image));
            }
            if (image.MimeType is null)
            {
                string message = $"'{image.Source}' is a URL: it has no local bytes to export. Use ConvertTo-VisionImage -Uri {CommandText.Argument(image.Source)} -Download to fetch and prepare it first.";
                WriteError(ErrorIds.Create(new InvalidOperationException(message), ErrorIds.ImageHasNoBytes, ErrorCategory.InvalidArgument, image, message));
                return;
            }
            string? namedAs = NamedAsAnotherFormat(image, target);
            if (!ShouldProcess(target, $"Write {image.MimeType} {image.Width}x{image.Height} ({image.Length} bytes) of '{image.Source}'"
                + (namedAs is null ? string.Empty : $" to a file whose name says {FormatName(namedAs)}")))
            {
                return;
            }
            if (_written.TryGetValue(target, out string? earlier))
            {
                string clash = $"'{image.Source}' was not exported: '{target}' was already written by this command from '{earlier}', and one image must not replace another. Export into a folder (Export-VisionImage DIR), or give each image its own -Path.";
                WriteError(ErrorIds.Create(new IOException(clash), ErrorIds.ImageExportFailed, ErrorCategory.WriteError, target, clash));
                return;
            }
            try
            {
                if (NoClobber && File.Exists(target))
                {
                    throw new IOException($"'{target}' exists and -NoClobber was given");
                }
                string? folder = System.IO.Path.GetDirectoryName(target);
                if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
                {
                    // .NET says 'Could not find a part of the path', or 'Access ... denied' for a name ending in a separator.
                    if (FileOnTheWay(folder) is string file)
                    {
                        // Creating the folder would fail too: the name is taken by a file.
                        string taken = $"Cannot write '{image.Source}' to '{Path}': '{file}' is a file, not a folder, so nothing can be written inside it. Give a -Path in a folder (such as one beside that file), or an existing folder.";
                        WriteError(ErrorIds.Create(new IOException(taken), ErrorIds.ImageExportFailed, ErrorCategory.InvalidArgument, target, taken));
                        return;
                    }
                    string missing = $"Cannot write '{image.Source}' to '{Path}': the folder '{folder}' does not exist. Create it first (New-Item -ItemType Directory -Path '{folder}'), or give a -Path in a folder that exists.";
                    WriteError(ErrorIds.Create(new DirectoryNotFoundException(missing), ErrorIds.ImageExportFailed, ErrorCategory.ObjectNotFound, target, missing));
                    return;
                }
                File.WriteAllBytes(target, image.GetBytes());
                _written[target] = image.Source;
                if (namedAs is not null)
                {
                    WarnNamedAsAnotherFormat(image, target, namedAs);
                }
                WriteObject(WrittenItem(target));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
            {
                string message = $"Cannot write '{target}' for '{image.Source}': {MessageText.Sentence(ex.Message)} Give another -Path, or a folder you can write.";
                WriteError(ErrorIds.Create(ex, ErrorIds.ImageExportFailed, ErrorCategory.WriteError, target, message));
            }
        }

        // The file written, as Get-Item gives it: the FileSystem provider's item, with PSPath and the rest, which the
        // file table needs for its mode, owner and size columns (a bare FileInfo shows them empty).
        private object WrittenItem(string target)
        {
            try
            {
                Collection<PSObject> items = InvokeProvider.Item.Get(new[] { target }, force: true, literalPath: true);
                if (items.Count == 1)
                {
                    return items[0];
                }
            }
            catch (Exception ex) when (ex is ProviderInvocationException || ex is ItemNotFoundException || ex is IOException || ex is UnauthorizedAccessException)
            {
                // Written but not readable as an item (removed at once, or a folder without list rights): the plain FileInfo.
            }
            return new FileInfo(target);
        }

        // The file that stands where a folder of the path folder must be (folder itself or the nearest existing
        // part of it), or null when the nearest existing part is a folder (the rest is merely missing).
        private static string? FileOnTheWay(string folder)
        {
            for (string? part = folder; !string.IsNullOrEmpty(part); part = System.IO.Path.GetDirectoryName(part))
            {
                if (Directory.Exists(part))
                {
                    return null;
                }
                if (File.Exists(part))
                {
                    return part;
                }
            }
            return null;
        }

        // A file named as one image format that holds another (a transparent image prepared as PNG, written to
        // photo.jpg) is written as asked, with a warning that says what it holds and how to make the two agree.
        // The MIME type the file's name says, when that is another image format than the image's; else null.
        private static string? NamedAsAnotherFormat(VisionImage image, string target)
        {
            string named = Core.Imaging.MimeTypes.FromFileName(target);
            return named.StartsWith("image/", StringComparison.Ordinal) && !string.Equals(named, image.MimeType, StringComparison.Ordinal)
                ? named
                : null;
        }

        private void WarnNamedAsAnotherFormat(VisionImage image, string target, string namedMime)
        {
            string holds = FormatName(image.MimeType), asNamed = FormatName(namedMime);
            string renamed = System.IO.Path.ChangeExtension(System.IO.Path.GetFileName(target), image.FileExtension);
            string? format = namedMime switch
            {
                Core.Imaging.MimeTypes.Png => "Png",
                Core.Imaging.MimeTypes.Jpeg => "Jpeg",
                Core.Imaging.MimeTypes.WebP => "WebP",
                _ => null, // no -Format makes a GIF
            };
            string loses = namedMime == Core.Imaging.MimeTypes.Jpeg && image.MimeType != Core.Imaging.MimeTypes.Jpeg
                ? " (any transparency is flattened onto white)" : string.Empty;
            WriteWarning($"'{target}' is named as {asNamed} but holds {holds}: '{image.Source}' was prepared as {holds}. " +
                $"Name the file '{renamed}'" + (format is null ? "." : $", or prepare the image with ConvertTo-VisionImage -Format {format} to get {asNamed}{loses}."));
        }

        private static string FormatName(string? mimeType) => mimeType switch
        {
            Core.Imaging.MimeTypes.Png => "PNG",
            Core.Imaging.MimeTypes.WebP => "WebP",
            Core.Imaging.MimeTypes.Gif => "GIF",
            _ => "JPEG",
        };

        // A PDF page's name is "scan.pdf#page=2": its file is scan-page2.jpg, so the pages of one PDF do not collide.
        private static string FileNameFor(VisionImage image)
        {
            string name = image.Name;
            int hash = name.LastIndexOf("#page=", StringComparison.Ordinal);
            string page = string.Empty;
            if (hash > 0)
            {
                page = "-page" + name.Substring(hash + "#page=".Length);
                name = name.Substring(0, hash);
            }
            return System.IO.Path.GetFileNameWithoutExtension(name) + page + image.FileExtension;
        }
    }
}
