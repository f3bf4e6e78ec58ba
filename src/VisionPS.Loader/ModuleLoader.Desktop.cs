#if NETFRAMEWORK
using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace VisionPS.Loader
{
    public static partial class ModuleLoader
    {
        private static Assembly? s_module;

        private static Assembly LoadModuleAssembly()
        {
            if (s_module != null)
            {
                return s_module;
            }
            // Windows PowerShell 5.1 has one load context: resolve our dependencies from lib/ whatever version is
            // asked for (the binding redirects an app.config would give), as PSResourceGet does.
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromLibrary;
            PreloadNative("libSkiaSharp.dll");
            PreloadNative($"Magick.Native-Q8-{NativeArchitecture}.dll");
            s_module = Assembly.LoadFrom(Path.Combine(LibraryDirectory, "VisionPS.dll"));
            return s_module;
        }

        private static Assembly? ResolveFromLibrary(object? sender, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name ?? string.Empty;
            string path = Path.Combine(LibraryDirectory, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }

        // Magick.NET names its native library after the process architecture: Magick.Native-Q8-x64.dll.
        private static string NativeArchitecture => RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            _ => "x64",
        };

        // The natives ship once, under runtimes/win-<arch>/native (not beside the assemblies in lib/, where .NET
        // Framework's DllImport would look). A library already loaded by full path satisfies a later DllImport of the
        // same name.
        private static void PreloadNative(string file)
        {
            string path = Path.Combine(NativeDirectory, "win-" + NativeArchitecture, "native", file);
            if (File.Exists(path))
            {
                LoadLibraryW(path);
            }
        }

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string path);
    }
}
#endif
