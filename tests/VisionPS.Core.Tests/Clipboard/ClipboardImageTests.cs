using System;
using System.IO;
using System.Runtime.Versioning;
using VisionPS.Core.Clipboard;
using Xunit;

namespace VisionPS.Core.Tests.Clipboard
{
    /// <summary>
    /// The Wayland clipboard through a stand-in wl-paste on PATH (wl-clipboard is not installed here, and no compositor
    /// runs): the stand-in says what the real one says when WAYLAND_DISPLAY names no running compositor.
    /// </summary>
    [UnsupportedOSPlatform("windows")] // the Linux clipboard tools
    [Collection("Clipboard environment")] // PATH and WAYLAND_DISPLAY are the process's
    public sealed class ClipboardImageTests : IDisposable
    {
        private readonly string _bin = Path.Combine(Path.GetTempPath(), "visionps-fake-wl-paste-" + Guid.NewGuid().ToString("N"));
        private readonly string? _savedPath = Environment.GetEnvironmentVariable("PATH");
        private readonly string? _savedWayland = Environment.GetEnvironmentVariable("WAYLAND_DISPLAY");

        public ClipboardImageTests()
        {
            Directory.CreateDirectory(_bin);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("PATH", _savedPath);
            Environment.SetEnvironmentVariable("WAYLAND_DISPLAY", _savedWayland);
            Directory.Delete(_bin, recursive: true);
        }

        private void FakeWlPaste(string script)
        {
            string tool = Path.Combine(_bin, "wl-paste");
            File.WriteAllText(tool, "#!/bin/sh\n" + script + "\n");
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Environment.SetEnvironmentVariable("PATH", _bin + Path.PathSeparator + _savedPath);
        }

        /// <summary>
        /// A stale WAYLAND_DISPLAY (a session that ended, a variable carried into another one) made the type listing fail,
        /// and the empty list said "there is no image on the Wayland clipboard: copy one first".
        /// </summary>
        [Fact]
        public void AWaylandDisplayWithNoCompositorIsUnavailableNamingTheDisplayNotAnEmptyClipboard()
        {
            FakeWlPaste(
                "echo 'Failed to connect to a Wayland server: No such file or directory' >&2\n" +
                "echo \"Note: WAYLAND_DISPLAY is set to $WAYLAND_DISPLAY\" >&2\n" +
                "exit 1");
            Environment.SetEnvironmentVariable("WAYLAND_DISPLAY", "wayland-stale-7");

            var error = Assert.Throws<ClipboardException>(() => ClipboardImage.Read(1 << 20));

            Assert.Equal(ClipboardProblem.Unavailable, error.Problem);
            Assert.Contains("'wayland-stale-7'", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("copy one first", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AReachableWaylandClipboardWithTextOnlySaysThereIsNoImage()
        {
            FakeWlPaste("printf 'text/plain\\nUTF8_STRING\\n'");
            Environment.SetEnvironmentVariable("WAYLAND_DISPLAY", "wayland-0");

            var error = Assert.Throws<ClipboardException>(() => ClipboardImage.Read(1 << 20));

            Assert.Equal(ClipboardProblem.NoImage, error.Problem);
            Assert.Contains("no image on the Wayland clipboard", error.Message, StringComparison.Ordinal);
        }
    }
}
