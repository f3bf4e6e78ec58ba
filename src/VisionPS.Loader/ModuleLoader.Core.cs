#if NET
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace VisionPS.Loader
{
    public static partial class ModuleLoader
    {
        private static ModuleLoadContext? s_context;

        /// <summary>The isolated load context (PowerShell 7), for diagnostics and tests.</summary>
        public static AssemblyLoadContext? Context => s_context;

        private static Assembly LoadModuleAssembly()
        {
            s_context ??= new ModuleLoadContext(LibraryDirectory, NativeDirectory);
            return s_context.LoadFromAssemblyName(new AssemblyName("VisionPS"));
        }
    }

    /// <summary>
    /// VisionPS's own load context: managed dependencies come from lib/ (so our System.ClientModel, System.Text.Json,
    /// SkiaSharp never clash with another module's), everything else (the framework, PowerShell itself) from the
    /// default context; native libraries from bin/runtimes/&lt;rid&gt;/native for the current OS and architecture.
    /// </summary>
    internal sealed class ModuleLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;
        private readonly string _nativeDirectory;
        private readonly string[] _runtimeIds;

        public ModuleLoadContext(string directory, string nativeDirectory) : base("VisionPS", isCollectible: false)
        {
            _directory = directory;
            _nativeDirectory = nativeDirectory;
            _runtimeIds = RuntimeIdCandidates();
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            string? path = FindNativeLibrary(unmanagedDllName);
            return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }

        /// <summary>Where a native library for this OS and architecture lives under bin/runtimes, if shipped.</summary>
        internal string? FindNativeLibrary(string name)
        {
            foreach (string rid in _runtimeIds)
            {
                string dir = Path.Combine(_nativeDirectory, rid, "native");
                foreach (string file in FileNameCandidates(name))
                {
                    string path = Path.Combine(dir, file);
                    if (File.Exists(path))
                    {
                        return path;
                    }
                }
            }
            return null;
        }

        private static IEnumerable<string> FileNameCandidates(string name)
        {
            string ext = OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";
            yield return name;
            yield return name + ext;                       // Magick.Native-Q8-x64.dll.so
            if (!OperatingSystem.IsWindows() && !name.StartsWith("lib", StringComparison.Ordinal))
            {
                yield return "lib" + name + ext;           // libSkiaSharp.so
            }
        }

        private static string[] RuntimeIdCandidates()
        {
            // .NET 8+ reports the portable RID (linux-x64, linux-musl-arm64, osx-arm64, win-x64).
            string rid = RuntimeInformation.RuntimeIdentifier;
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            var ids = new List<string> { rid, $"{os}-{arch}", os };
            return ids.ToArray();
        }
    }
}
#endif
