using System;
using System.IO;
using System.Reflection;

namespace VisionPS.Loader
{
    /// <summary>
    /// Entry point called by module/VisionPS.psm1: loads VisionPS.dll and every dependency from the module's
    /// own <c>lib</c> folder, isolated from whatever PowerShell or other modules have loaded, and returns the
    /// cmdlet assembly for <c>Import-Module -Assembly</c>.
    /// </summary>
    public static partial class ModuleLoader
    {
        private static readonly object s_lock = new object();

        /// <summary>The folder that holds VisionPS.dll, VisionPS.Core.dll, their dependencies and runtimes/.</summary>
        public static string LibraryDirectory { get; } = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location) ?? ".", "lib");

        /// <summary>
        /// module/bin/runtimes: native libraries per runtime identifier, one copy shared by both frameworks' builds.
        /// </summary>
        public static string NativeDirectory { get; } = Path.GetFullPath(Path.Combine(LibraryDirectory, "..", "..", "runtimes"));

        /// <summary>Loads (once) and returns the VisionPS cmdlet assembly.</summary>
        public static Assembly Initialize()
        {
            lock (s_lock)
            {
                return LoadModuleAssembly();
            }
        }
    }
}
