const fs=require('fs');const lock=JSON.parse(fs.readFileSync('package-lock.json','utf8'));
const plat=(n)=>{const os=n.includes('darwin')?'darwin':n.includes('win32')||n.includes('windows')?'win32':n.includes('android')?'android':'linux';
const cpu=/arm64/.test(n)?'arm64':'x64';const libc=n.endsWith('-musl')?['musl']:undefined;return {os:[os],cpu:[cpu],...(libc?{libc}:{})}};
let added=0;for(const [k,v] of Object.entries(lock.packages)){for(const [dep,ver] of Object.entries(v.optionalDependencies||{})){const key='node_modules/'+dep;if(!lock.packages[key]){lock.packages[key]={version:ver,dev:v.dev||undefined,optional:true,...plat(dep)};added++;console.log('added',dep,ver)}}}
const sorted={};for(const k of Object.keys(lock.packages).sort()) sorted[k]=lock.packages[k];lock.packages=sorted;
fs.writeFileSync('package-lock.json',JSON.stringify(lock,null,2)+'\n');console.log(added)
