; Inno Setup 6 script: the Windows setup program of Biobank Desktop. WRITTEN, NOT YET BUILT OR RUN (see the
; README, "Installer"): it was made on Linux, where neither PyInstaller's Windows build nor ISCC runs.
;
; installer\build.py compiles it after the bundle is built, passing
;     /DAppVersion=<biobank_desktop.__version__>  /DSourceDir=<dist\BiobankDesktop>  /DIconFile=<build\icons>
; By hand:  ISCC /DAppVersion=0.1.0 /DSourceDir=..\..\dist\BiobankDesktop /DIconFile=..\..\build\icons biobank-desktop.iss
;
; What it does: a per-machine install (administrator rights, C:\Program Files\Biobank Desktop), one Start-menu
; entry, no file association, no PATH change. Uninstalling removes only the files it installed: each user's
; databases, backups, logs and settings (%LOCALAPPDATA%\BiobankDesktop) and the machine-wide settings file
; (C:\ProgramData\BiobankDesktop\settings.json, rolled out by the IT department) are kept.
; Silent install for software deployment:  BiobankDesktop-<version>-setup.exe /VERYSILENT /NORESTART

#ifndef AppVersion
  #error Pass /DAppVersion=<version> (installer\build.py does)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\BiobankDesktop"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons"
#endif

[Setup]
; The AppId identifies the installation for upgrades and uninstall: never change it.
AppId={{190C1D96-700B-4A95-B286-D24AE8006617}
AppName=Biobank Desktop
AppVersion={#AppVersion}
AppVerName=Biobank Desktop {#AppVersion}
AppPublisher=Biobank Desktop
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Biobank Desktop
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=no
ChangesEnvironment=no
OutputBaseFilename=BiobankDesktop-{#AppVersion}-setup
SetupIconFile={#IconFile}\biobank-desktop.ico
UninstallDisplayIcon={app}\BiobankDesktop.exe
UninstallDisplayName=Biobank Desktop {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade replaces the program files while no copy of the program runs.
CloseApplications=yes
CloseApplicationsFilter=BiobankDesktop.exe,biobank-desktop.exe

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade starts from a clean program folder (files a newer version no longer ships must not linger).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Biobank Desktop"; Filename: "{app}\BiobankDesktop.exe"; WorkingDir: "{app}"; Comment: "Biobank sample management"

[Run]
Filename: "{app}\BiobankDesktop.exe"; Description: "Start Biobank Desktop"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] and no [Registry] section: nothing outside {app} is written, so nothing of the users'
; is removed on uninstall.
