using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.Clipboard
{
    /// <summary>
    /// Reads the image on the system clipboard as encoded bytes (PNG, or BMP built from a Windows DIB, or whatever image
    /// type the clipboard offers), for the image core to prepare. Linux: Wayland through <c>wl-paste</c>
    /// (wl-clipboard), X11 through <c>xclip</c>; macOS: the pasteboard through <c>osascript</c>; Windows: the
    /// clipboard API (the registered <c>PNG</c> format, else <c>CF_DIBV5</c>/<c>CF_DIB</c>).
    /// </summary>
    public static class ClipboardImage
    {
        /// <summary>Image types asked for, best first, when the clipboard offers several.</summary>
        private static readonly string[] s_preferred = { "image/png", "image/jpeg", "image/webp", "image/bmp", "image/tiff", "image/gif" };

        /// <summary>Reads the clipboard's image; <paramref name="maxBytes"/> bounds what is read.</summary>
        public static byte[] Read(long maxBytes, CancellationToken cancellationToken = default)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return WindowsClipboard.ReadImage(maxBytes);
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                return ReadMac(maxBytes, cancellationToken);
            }
            return ReadLinux(maxBytes, cancellationToken);
        }

        /// <summary>Which tool reads the clipboard here (for messages): wl-paste, xclip, osascript or the Windows API.</summary>
        public static string Describe()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return "the Windows clipboard";
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                return "the macOS pasteboard (osascript)";
            }
            return UseWayland() ? "the Wayland clipboard (wl-paste)" : "the X11 clipboard (xclip)";
        }

        private static bool UseWayland() =>
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")) && OnPath("wl-paste");

        private static byte[] ReadLinux(long maxBytes, CancellationToken cancel)
        {
            if (UseWayland())
            {
                // Listing fails on an empty clipboard too, which is no image; a display with no compositor is no clipboard.
                ToolResult offered = RunTool("wl-paste", new[] { "--list-types" }, 1024 * 1024, cancel);
                ThrowIfNoWaylandServer(offered);
                string[] types = Lines(offered.Output);
                if (CopiedFiles(types, () => Run("wl-paste", new[] { "--no-newline", "--type", UriList }, 1024 * 1024, cancel, allowFailure: true)) is string copied)
                {
                    throw new ClipboardException(ClipboardProblem.NoImage, $"There is no image on the Wayland clipboard: {copied}");
                }
                string type = PickImageType(types, "wl-paste");
                ToolResult image = RunTool("wl-paste", new[] { "--no-newline", "--type", type }, maxBytes, cancel);
                ThrowIfNoWaylandServer(image);
                if (image.ExitCode != 0)
                {
                    throw new ClipboardException(ClipboardProblem.NoImage, $"wl-paste could not read an image from the clipboard: {image.Error.Trim()}");
                }
                return NotEmpty(image.Output, type, "the Wayland clipboard");
            }
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            {
                throw new ClipboardException(ClipboardProblem.Unavailable,
                    "No clipboard to read: neither WAYLAND_DISPLAY (with wl-paste from wl-clipboard) nor DISPLAY (X11, with xclip) is set in this session.");
            }
            if (!OnPath("xclip"))
            {
                throw new ClipboardException(ClipboardProblem.Unavailable,
                    "Reading the X11 clipboard needs xclip (apt install xclip); on Wayland, install wl-clipboard.");
            }
            ToolResult listed = RunTool("xclip", new[] { "-selection", "clipboard", "-t", "TARGETS", "-o" }, 1024 * 1024, cancel);
            if (listed.ExitCode != 0 && listed.Error.IndexOf("Can't open display", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // A DISPLAY that names no reachable X server (an SSH session's forward that is gone, a display that was
                // closed): not an empty clipboard. With no owner, xclip says "target TARGETS not available" instead.
                throw new ClipboardException(ClipboardProblem.Unavailable,
                    $"Cannot reach the X11 display '{Environment.GetEnvironmentVariable("DISPLAY")}' named by DISPLAY to read its clipboard (xclip: can't open display). Check that the display is running and that DISPLAY names it, or pass a file.");
            }
            string[] targets = Lines(listed.Output);
            if (CopiedFiles(targets, () => Run("xclip", new[] { "-selection", "clipboard", "-t", UriList, "-o" }, 1024 * 1024, cancel, allowFailure: true)) is string files)
            {
                throw new ClipboardException(ClipboardProblem.NoImage, $"There is no image on the X11 clipboard: {files}");
            }
            string target = PickImageType(targets, "xclip");
            return NotEmpty(Run("xclip", new[] { "-selection", "clipboard", "-t", target, "-o" }, maxBytes, cancel), target, "the X11 clipboard");
        }

        /// <summary>The bytes read, unless there are none: a program that offers an image type but gives nothing has no image.</summary>
        private static byte[] NotEmpty(byte[] bytes, string type, string where) => bytes.Length > 0 ? bytes
            : throw new ClipboardException(ClipboardProblem.NoImage,
                $"There is no image on {where}: the program that copied offers {type} but gives no bytes for it. Copy the image again, or pass a file.");

        /// <summary>
        /// A WAYLAND_DISPLAY that names no running compositor (a session that ended, a variable carried into another one):
        /// the clipboard cannot be reached, which is not an empty clipboard.
        /// </summary>
        private static void ThrowIfNoWaylandServer(ToolResult result)
        {
            if (result.ExitCode != 0 && result.Error.IndexOf("Failed to connect to a Wayland server", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                throw new ClipboardException(ClipboardProblem.Unavailable,
                    $"Cannot reach the Wayland display '{Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")}' named by WAYLAND_DISPLAY to read its clipboard (wl-paste: failed to connect to a Wayland server). Check that the compositor is running and that WAYLAND_DISPLAY names it, or pass a file.");
            }
        }

        private static byte[] ReadMac(long maxBytes, CancellationToken cancel)
        {
            // The pasteboard's PNG (screenshots: Cmd+Ctrl+Shift+4), else its TIFF (what most apps copy), written to a file by AppleScript.
            string file = Path.Combine(Path.GetTempPath(), "visionps-clipboard-" + Guid.NewGuid().ToString("N"));
            try
            {
                foreach (string kind in new[] { "PNGf", "TIFF" })
                {
                    string script =
                        $"set f to open for access POSIX file \"{file}\" with write permission\n" +
                        "set eof f to 0\n" +
                        $"try\nwrite (the clipboard as «class {kind}») to f\non error\nclose access f\nreturn \"none\"\nend try\n" +
                        "close access f\nreturn \"ok\"";
                    byte[] answer = Run("osascript", new[] { "-e", script }, 1024, cancel, allowFailure: true);
                    if (System.Text.Encoding.UTF8.GetString(answer).Trim() == "ok" && new FileInfo(file).Length > 0)
                    {
                        long length = new FileInfo(file).Length;
                        if (length > maxBytes)
                        {
                            throw TooLarge(maxBytes);
                        }
                        return File.ReadAllBytes(file);
                    }
                }
                throw NoImage("the macOS pasteboard");
            }
            finally
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                }
            }
        }

        private const string UriList = "text/uri-list";

        /// <summary>
        /// When the clipboard offers no image type but a file list (a file manager's Copy: text/uri-list, RFC 2483), the
        /// advice to pass those files by path, naming them (at most three); else null.
        /// </summary>
        internal static string? CopiedFiles(IEnumerable<string> offered, Func<byte[]> readList)
        {
            var types = offered.Select(t => t.Trim()).ToList();
            if (types.Any(t => t.StartsWith("image/", StringComparison.OrdinalIgnoreCase)) || !types.Contains(UriList, StringComparer.OrdinalIgnoreCase))
            {
                return null;
            }
            var files = new List<string>();
            foreach (string line in Lines(readList()))
            {
                string item = line.Trim();
                if (item.Length > 0 && item[0] != '#' && Uri.TryCreate(item, UriKind.Absolute, out Uri? uri) && uri.IsFile)
                {
                    files.Add(uri.LocalPath);
                }
            }
            if (files.Count == 0)
            {
                return null;
            }
            string shown = string.Join(", ", files.Take(3).Select(f => "'" + f + "'")) + (files.Count > 3 ? $" and {files.Count - 3} more" : string.Empty);
            return $"it holds copied files ({shown}). Pass them by path instead, for example ConvertTo-VisionImage -LiteralPath {CommandText.Argument(files[0])}.";
        }

        internal static string PickImageType(IEnumerable<string> offered, string tool)
        {
            var types = offered.Select(t => t.Trim()).Where(t => t.Length > 0).ToList();
            string? best = s_preferred.FirstOrDefault(p => types.Contains(p, StringComparer.OrdinalIgnoreCase))
                ?? types.FirstOrDefault(t => t.StartsWith("image/", StringComparison.OrdinalIgnoreCase));
            return best ?? throw NoImage(tool == "xclip" ? "the X11 clipboard" : "the Wayland clipboard");
        }

        internal static ClipboardException NoImage(string where) => new(ClipboardProblem.NoImage,
            $"There is no image on {where}: copy one first (a screenshot, or Copy Image in a browser or viewer), or pass a file.");

        internal static ClipboardException TooLarge(long maxBytes) => new(ClipboardProblem.TooLarge,
            $"The image on the clipboard is larger than the {maxBytes}-byte file budget.");

        private static string[] Lines(byte[] output) => System.Text.Encoding.UTF8.GetString(output).Split('\n');

        private static bool OnPath(string tool) =>
            (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
                .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));

        /// <summary>Runs a tool and returns at most <paramref name="maxBytes"/> of its standard output; 10 s at most.</summary>
        private static byte[] Run(string tool, string[] args, long maxBytes, CancellationToken cancel, bool allowFailure = false)
        {
            ToolResult result = RunTool(tool, args, maxBytes, cancel);
            if (result.ExitCode != 0 && !allowFailure)
            {
                throw new ClipboardException(ClipboardProblem.NoImage, $"{tool} could not read an image from the clipboard: {result.Error.Trim()}");
            }
            return result.Output;
        }

        /// <summary>What a tool wrote and how it ended.</summary>
        private readonly struct ToolResult
        {
            public ToolResult(byte[] output, int exitCode, string error)
            {
                Output = output;
                ExitCode = exitCode;
                Error = error;
            }

            public byte[] Output { get; }

            public int ExitCode { get; }

            public string Error { get; }
        }

        /// <summary>Runs a tool: at most <paramref name="maxBytes"/> of its standard output, its exit code and standard error; 10 s at most.</summary>
        private static ToolResult RunTool(string tool, string[] args, long maxBytes, CancellationToken cancel)
        {
            var psi = new ProcessStartInfo(tool)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            psi.Arguments = string.Join(" ", args.Select(Quote));
            Process process;
            try
            {
                process = Process.Start(psi) ?? throw new Win32Exception();
            }
            catch (Win32Exception ex)
            {
                throw new ClipboardException(ClipboardProblem.Unavailable, $"Cannot run {tool} to read the clipboard: {ex.Message}", ex);
            }
            using (process)
            {
                process.StandardInput.Close();
                Task<string> stderr = process.StandardError.ReadToEndAsync();
                using var buffer = new MemoryStream();
                Task copy = Task.Run(() =>
                {
                    byte[] chunk = new byte[81920];
                    int n;
                    while ((n = process.StandardOutput.BaseStream.Read(chunk, 0, chunk.Length)) > 0)
                    {
                        if (buffer.Length + n > maxBytes)
                        {
                            throw TooLarge(maxBytes);
                        }
                        buffer.Write(chunk, 0, n);
                    }
                });
                try
                {
                    if (!copy.Wait(10_000, cancel) || !process.WaitForExit(10_000))
                    {
                        throw new ClipboardException(ClipboardProblem.Unavailable, $"{tool} did not answer within 10 seconds.");
                    }
                }
                catch (AggregateException ex) when (ex.InnerException is ClipboardException inner)
                {
                    throw inner;
                }
                finally
                {
                    if (!process.HasExited)
                    {
                        try
                        {
                            process.Kill();
                        }
                        catch (InvalidOperationException)
                        {
                        }
                    }
                }
                string error = process.ExitCode != 0 && stderr.Wait(1000) ? stderr.Result : string.Empty;
                return new ToolResult(buffer.ToArray(), process.ExitCode, error);
            }
        }

        private static string Quote(string arg) =>
            arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '"', '\n', '\t', '\\' }) < 0 ? arg : "\"" + arg.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
