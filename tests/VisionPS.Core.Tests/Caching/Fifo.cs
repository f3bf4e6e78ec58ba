using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Xunit;

namespace VisionPS.Core.Tests.Caching
{
    /// <summary>FIFOs (named pipes) for tests of files that must not wait for a writer, and a bound on that wait.</summary>
    internal static class Fifo
    {
        [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
        private static extern int MkFifo(string path, uint mode);

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int Open(string path, int flags);

        [DllImport("libc", EntryPoint = "close")]
        private static extern int Close(int fd);

        /// <summary>Makes a FIFO at <paramref name="path"/> (mode 0600).</summary>
        public static void Make(string path)
        {
            if (MkFifo(path, 0x180) != 0)
            {
                throw new IOException($"mkfifo '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
            Assert.Equal(0, new FileInfo(path).Length); // the setup holds: a FIFO, not a file
        }

        /// <summary>
        /// Runs <paramref name="work"/> on another thread and fails, rather than hanging the suite, when it has not finished
        /// within 30 seconds (it takes milliseconds): an open of one of <paramref name="fifos"/> waiting for a writer. That
        /// waiting open is then released by opening the FIFO for writing (non-blocking: no effect when nobody waits).
        /// </summary>
        public static T Within<T>(Func<T> work, params string[] fifos)
        {
            Task<T> task = Task.Run(work);
            if (Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))).GetAwaiter().GetResult() != task)
            {
                int flags = OperatingSystem.IsMacOS() ? 0x0004 | 0x0001 : 0x0800 | 0x0001; // O_NONBLOCK | O_WRONLY
                foreach (string fifo in fifos)
                {
                    int fd = Open(fifo, flags);
                    if (fd >= 0)
                    {
                        Close(fd);
                    }
                }
                Assert.Fail($"Still waiting after 30 s: the read opened a FIFO ({string.Join(", ", fifos)}) and waits for a writer.");
            }
            return task.GetAwaiter().GetResult();
        }

        /// <summary>As <see cref="Within{T}(Func{T}, string[])"/> for work with no result.</summary>
        public static void Within(Action work, params string[] fifos) => Within(() =>
        {
            work();
            return 0;
        }, fifos);
    }
}
